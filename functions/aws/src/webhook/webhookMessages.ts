import { type AirflowKey, type ChangeHint, parseKeyString } from "@afsync/core";
import { z } from "zod";
import type { SyncMessage } from "../queue/SyncMessage.ts";
import type { RoutableBinding } from "../routing/routeHints.ts";

/** The webhook body the local mode sends: which source changed and, optionally, which keys (`conn:<id>`, `var:<key>`). */
const webhookBodySchema = z.strictObject({
  source: z.string().min(1),
  keys: z.array(z.string()).max(1000).optional(),
});

export type WebhookMessages =
  | { readonly ok: true; readonly messages: readonly SyncMessage[] }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

/**
 * Turns a verified webhook body into queue messages: one per Deployment that reads the source.
 * With `keys`, hints for exactly those keys; without, a full reconciliation of those Deployments
 * (the sender only knows "something in this source changed").
 */
export function webhookMessages(rawBody: string, bindings: readonly RoutableBinding[], origin: string): WebhookMessages {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return { ok: false, status: 400, reason: "body is not JSON" };
  }
  const parsed = webhookBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "body";
    return {
      ok: false,
      status: 400,
      reason: `${where}: ${issue?.message ?? "invalid"}; expected {"source": "<id>", "keys"?: ["conn:<id>" | "var:<key>"]}`,
    };
  }
  const { source: sourceId, keys: keyTexts } = parsed.data;
  const keys: AirflowKey[] = [];
  for (const [index, text] of (keyTexts ?? []).entries()) {
    const key = parseKeyString(text);
    if (key === null) return { ok: false, status: 400, reason: `keys.${index}: "${text}" is not conn:<id> or var:<key>` };
    keys.push(key);
  }
  const readers = bindings.filter((b) => b.sources.some((s) => s.id === sourceId));
  if (readers.length === 0) return { ok: false, status: 404, reason: `no Deployment reads a source with id "${sourceId}"` };
  const messages = readers.map((binding): SyncMessage => {
    if (keyTexts === undefined) return { v: 1, deployment: binding.id, trigger: { kind: "full" }, origin };
    const source = binding.sources.find((s) => s.id === sourceId);
    const hints: ChangeHint[] = keys.map((key) => ({
      provider: source?.provider ?? "unknown",
      sourceId,
      secretId: source?.secretIdFor(key) ?? `${key.kind === "connection" ? "conn" : "var"}:${key.id}`,
      action: "upsert",
      keys: [key],
    }));
    return { v: 1, deployment: binding.id, trigger: hints.length > 0 ? { kind: "hints", hints } : { kind: "full" }, origin };
  });
  return { ok: true, messages };
}
