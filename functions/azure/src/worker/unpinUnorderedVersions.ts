import type { SecretSource } from "@afsync/core";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";

/**
 * Drops the version an event pinned, for sources whose versions have no order (Key Vault's are
 * random ids). Storage Queues hand the worker one message per invocation, in no particular order,
 * so a late message for an older version would otherwise re-apply that version over a newer one;
 * unpinned, the source reads the current version and the late message becomes a no-op. (On SQS
 * FIFO a burst arrives in one batch and the coalescer drops disagreeing pins the same way.)
 */
export function unpinUnorderedVersions(message: SyncMessage, sources: ReadonlyMap<string, SecretSource>): SyncMessage {
  if (message.trigger.kind !== "hints") return message;
  const hints = message.trigger.hints.map((hint) => {
    if (hint.version === undefined) return hint;
    const source = hint.sourceId === undefined ? undefined : sources.get(hint.sourceId);
    if (source?.capabilities.orderedVersions === true) return hint;
    const { version: _unordered, ...unpinned } = hint;
    return unpinned;
  });
  return { ...message, trigger: { kind: "hints", hints } };
}
