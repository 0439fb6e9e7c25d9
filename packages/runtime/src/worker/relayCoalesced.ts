import { createHash } from "node:crypto";
import type { Logger } from "@afsync/core";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { SyncMessage } from "../edge/SyncMessage.ts";
import type { SyncQueue } from "../edge/SyncQueue.ts";
import { MAX_HINTED_KEYS } from "../webhook/webhookMessages.ts";
import { coalesceMessages, type QueueRecord } from "./coalesceMessages.ts";

export interface RelayDeps {
  /** The per-Deployment queue the worker consumes (SQS FIFO: one group per Deployment). */
  readonly queue: SyncQueue;
  readonly logger: Logger;
}

/**
 * The coalescing stage between the producers and a worker whose queue cannot batch by time (SQS
 * FIFO event sources take at most 10 messages and no batching window): a large batch of hint
 * messages, gathered over a batching window from a queue that allows one, becomes ONE message per
 * Deployment on the worker's queue. A burst of 1,000 events on one Deployment is then one plan
 * and one write per window instead of 100.
 *
 * Returns the ids of the records to hand back: a record that does not decode on its own, and
 * every record when the relay could not be sent (the retry relays them again; the worker's
 * re-read makes a message relayed twice harmless).
 *
 * The relayed message's origin, and so its FIFO deduplication id, derives from the ids of the
 * messages folded into it: a batch redelivered whole within SQS's 5-minute window collapses.
 * Above `MAX_HINTED_KEYS` secrets a Deployment gets a full reconciliation instead of the hints
 * (the webhook's rule): the message stays far below SQS's 256 KB, and a metadata-first full read
 * costs the listing plus the values that changed.
 */
export async function relayCoalesced(records: readonly QueueRecord[], deps: RelayDeps): Promise<string[]> {
  const { work, malformed } = coalesceMessages(records);
  const failures: string[] = [];
  for (const bad of malformed) {
    deps.logger.log("error", "queue message rejected", { messageId: bad.messageId, reason: bad.reason });
    failures.push(bad.messageId);
  }
  const messages = work.map(
    (item): SyncMessage => ({
      v: 1,
      deployment: item.deployment,
      trigger: bounded(item.trigger),
      origin: `batch:${digest(item.messageIds)}`,
    }),
  );
  if (messages.length === 0) return failures;
  try {
    await deps.queue.enqueue(messages);
  } catch (error) {
    deps.logger.log("error", "coalesced batch not relayed; its messages go back to the queue", {
      messages: records.length,
      deployments: messages.map((m) => m.deployment),
      error,
    });
    return records.map((r) => r.messageId);
  }
  deps.logger.log("info", "batch coalesced", {
    messages: records.length,
    relayed: work.map((item, index) => ({
      deployment: item.deployment,
      messages: item.messageIds.length,
      trigger: messages[index]?.trigger.kind,
      hints: item.trigger.kind === "hints" ? item.trigger.hints.length : 0,
    })),
  });
  return failures;
}

function bounded(trigger: Trigger): Trigger {
  return trigger.kind === "hints" && trigger.hints.length > MAX_HINTED_KEYS ? { kind: "full" } : trigger;
}

/** Order-free: the same messages give the same id whatever order the queue handed them out in. */
function digest(messageIds: readonly string[]): string {
  return createHash("sha256")
    .update([...messageIds].sort().join("\n"))
    .digest("hex")
    .slice(0, 40);
}
