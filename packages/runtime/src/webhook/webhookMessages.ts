import type { RoutableBinding } from "../edge/routeHints.ts";
import type { SyncMessage } from "../edge/SyncMessage.ts";
import type { WebhookRequest } from "./parseWebhookBody.ts";
import { webhookHints } from "./webhookHints.ts";

/**
 * Above this many keys a webhook becomes a full reconciliation: the hints would approach SQS's
 * 256 KB message limit, and re-reading everything costs the same batched calls anyway.
 */
export const MAX_HINTED_KEYS = 200;

export type WebhookMessages =
  | { readonly ok: true; readonly messages: readonly SyncMessage[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Turns a verified webhook request into queue messages (a cloud's webhook function): one per Deployment that reads the source.
 * With `keys`, hints for exactly those keys; without, a full reconciliation of those Deployments
 * (the sender only knows "something in this source changed").
 */
export function webhookMessages(request: WebhookRequest, bindings: readonly RoutableBinding[], origin: string): WebhookMessages {
  const readers = bindings.filter((b) => b.sources.some((s) => s.id === request.source));
  if (readers.length === 0) return { ok: false, reason: `no Deployment reads a source with id "${request.source}"` };
  const messages = readers.map((binding): SyncMessage => {
    const source = binding.sources.find((s) => s.id === request.source);
    if (request.keys === null || request.keys.length === 0 || request.keys.length > MAX_HINTED_KEYS || source === undefined) {
      return { v: 1, deployment: binding.id, trigger: { kind: "full" }, origin };
    }
    return { v: 1, deployment: binding.id, trigger: { kind: "hints", hints: webhookHints(request.keys, source) }, origin };
  });
  return { ok: true, messages };
}
