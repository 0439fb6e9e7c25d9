import { type AirflowKey, parseKeyString } from "@afsync/core";
import { z } from "zod";

/** `{"source": "<source id>", "keys"?: ["conn:<id>" | "var:<key>", …]}`; no `keys` means "everything in that source". */
const webhookBodySchema = z.strictObject({
  source: z.string().min(1),
  keys: z.array(z.string()).min(1, "list at least one key, or leave keys out for the whole source").max(10_000).optional(),
});

export type WebhookRequest = { readonly source: string; readonly keys: readonly AirflowKey[] | null };

/** The parsed body, or what is wrong with it (for a 400), naming the field at fault. */
export function parseWebhookBody(raw: string): { ok: true; request: WebhookRequest } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: "body is not valid JSON" };
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.length ? issue.path.join(".") : "body";
    return { ok: false, error: `${path}: ${issue?.message ?? "invalid"} (expected {"source": id, "keys"?: ["conn:<id>" | "var:<key>"]})` };
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
