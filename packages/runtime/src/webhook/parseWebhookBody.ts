import { type AirflowKey, parseKeyString } from "@afsync/core";
import * as z from "@afsync/core/config/zodMini";
import { parseJsonWith } from "../edge/parseJsonWith.ts";

/** `{"source": "<source id>", "keys"?: ["conn:<id>" | "var:<key>", …]}`; no `keys` means "everything in that source". */
const webhookBodySchema = z.strictObject({
  source: z.string().check(z.minLength(1)),
  keys: z.optional(
    z.array(z.string()).check(z.minLength(1, "list at least one key, or leave keys out for the whole source"), z.maxLength(10_000)),
  ),
});

export type WebhookRequest = { readonly source: string; readonly keys: readonly AirflowKey[] | null };

/** The parsed body, or what is wrong with it (for a 400), naming the field at fault. */
export function parseWebhookBody(raw: string): { ok: true; request: WebhookRequest } | { ok: false; error: string } {
  const parsed = parseJsonWith(webhookBodySchema, raw);
  if (!parsed.ok) {
    const { problem } = parsed;
    if (problem.kind === "not-json") return { ok: false, error: "body is not valid JSON" };
    return {
      ok: false,
      error: `${problem.path ?? "body"}: ${problem.message || "invalid"} (expected {"source": id, "keys"?: ["conn:<id>" | "var:<key>"]})`,
    };
  }
  if (parsed.data.keys === undefined) return { ok: true, request: { source: parsed.data.source, keys: null } };
  const keys: AirflowKey[] = [];
  for (const [i, text] of parsed.data.keys.entries()) {
    const key = parseKeyString(text);
    if (key === null) return { ok: false, error: `keys.${i}: expected "conn:<conn_id>" or "var:<key>"` };
    keys.push(key);
  }
  return { ok: true, request: { source: parsed.data.source, keys } };
}
