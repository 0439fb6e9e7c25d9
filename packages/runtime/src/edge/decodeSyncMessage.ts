import type { ChangeHint } from "@afsync/core";
import * as z from "@afsync/core/config/zodMini";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { parseJsonWith } from "./parseJsonWith.ts";
import { SYNC_MESSAGE_VERSION, type SyncMessage } from "./SyncMessage.ts";

// zod/mini: the worker decodes these on its first invocation (see @afsync/core/config/zodMini).
const nonEmpty = () => z.string().check(z.minLength(1));

const keySchema = z.strictObject({ kind: z.enum(["connection", "variable"]), id: nonEmpty() });

const hintSchema = z.strictObject({
  provider: nonEmpty(),
  sourceId: z.optional(nonEmpty()),
  secretId: nonEmpty(),
  version: z.optional(nonEmpty()),
  action: z.enum(["upsert", "delete", "notice", "ignore"]),
  reason: z.optional(z.string()),
  keys: z.optional(z.array(keySchema)),
});

export const syncMessageSchema = z.strictObject({
  v: z.literal(SYNC_MESSAGE_VERSION),
  deployment: nonEmpty(),
  trigger: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("full") }),
    z.strictObject({ kind: z.literal("hints"), hints: z.array(hintSchema).check(z.minLength(1)) }),
  ]),
  /** Where the message came from, for logs and the DLQ: `event:<EventBridge id>`, `webhook:<sig>`, `schedule:<id>`. */
  origin: nonEmpty(),
  fanout: z.optional(
    z.strictObject({
      fingerprint: z.string().check(z.regex(/^[0-9a-f]{64}$/, "must be the 64 hex digits of a keyed hash")),
      at: nonEmpty(),
    }),
  ),
});

export type DecodeResult = { readonly ok: true; readonly message: SyncMessage } | { readonly ok: false; readonly reason: string };

/** Parses a queue body; the reason names the bad field and never echoes the body. */
export function decodeSyncMessage(body: string): DecodeResult {
  const parsed = parseJsonWith(syncMessageSchema, body);
  if (parsed.ok) return { ok: true, message: stripUndefined(parsed.data) };
  const { problem } = parsed;
  if (problem.kind === "not-json") return { ok: false, reason: "message body is not JSON" };
  return { ok: false, reason: `invalid sync message at ${problem.path ?? "(root)"}: ${problem.message || "does not match the schema"}` };
}

// zod leaves absent optional keys out already; this only narrows the inferred type to the
// model's readonly shape without a cast on the hint objects.
function stripUndefined(data: z.infer<typeof syncMessageSchema>): SyncMessage {
  const trigger: Trigger =
    data.trigger.kind === "full"
      ? { kind: "full" }
      : {
          kind: "hints",
          hints: data.trigger.hints.map((h) => {
            const hint: ChangeHint = {
              provider: h.provider,
              secretId: h.secretId,
              action: h.action,
              ...(h.sourceId === undefined ? {} : { sourceId: h.sourceId }),
              ...(h.version === undefined ? {} : { version: h.version }),
              ...(h.reason === undefined ? {} : { reason: h.reason }),
              ...(h.keys === undefined ? {} : { keys: h.keys }),
            };
            return hint;
          }),
        };
  return {
    v: SYNC_MESSAGE_VERSION,
    deployment: data.deployment,
    trigger,
    origin: data.origin,
    ...(data.fanout === undefined ? {} : { fanout: { fingerprint: data.fanout.fingerprint, at: data.fanout.at } }),
  };
}
