import { decodeSyncMessage } from "@afsync/runtime/edge/decodeSyncMessage";
import type { QueueRecord } from "@afsync/runtime/worker/coalesceMessages";
import type { ReceivedSyncMessage } from "./StorageQueueSyncQueue.ts";

/** The part of the sync queue the worker drains through. */
export interface SyncQueueReader {
  receive(max: number, visibilitySeconds: number): Promise<ReceivedSyncMessage[]>;
}

/** One drained message: the batch record the run gets, and the queue message to delete once its Deployment's run succeeded. */
export interface DrainedMessage {
  readonly deployment: string;
  readonly record: QueueRecord;
  readonly message: ReceivedSyncMessage;
}

export interface DrainedMessages {
  /** The messages folded into the run: the Deployment's own, and the full reconciliations of those `foldFull` took. */
  readonly held: readonly DrainedMessage[];
  /** Other Deployments' messages met on the way and sent back to the queue. */
  readonly requeued: number;
}

export interface DrainOptions {
  /** How long the drained messages stay hidden: longer than the run (the function timeout). */
  readonly visibilitySeconds: number;
  /** How many messages to look at, at most (32 a receive). */
  readonly maxMessages: number;
  /**
   * Asked for another Deployment's full reconciliation met on the way: true when the worker took
   * that Deployment's lease too, so the message joins this run (one engine run, each source read
   * once for all of them). Absent or false: the message goes back to the queue.
   */
  readonly foldFull?: (deployment: string) => Promise<boolean>;
}

/**
 * What makes a burst one run on Azure: the Storage Queues trigger hands the worker one message
 * per invocation (host.json's batchSize only sets how many run at once), so the worker, once it
 * holds the Deployment's blob lease, takes the Deployment's other waiting messages off the queue
 * and folds them into the same run. The lease makes that safe: no other worker applies this
 * Deployment meanwhile. Another Deployment's FULL reconciliation (what the timer's fan-out sends)
 * is folded too when `foldFull` takes that Deployment's lease: a full run reads every source
 * whole, so ten Deployments sharing a vault then read it once, not ten times. Hints of other
 * Deployments are not taken: they read only their keys, and would wait for this run otherwise.
 * It stops at the first receive with nothing folded, so a queue full of other Deployments' work
 * is not scanned whole; what is not folded goes back as copies (`requeue`). A message that does
 * not decode is left alone: it reappears and the host poisons it.
 */
export async function drainDeploymentMessages(queue: SyncQueueReader, deployment: string, options: DrainOptions): Promise<DrainedMessages> {
  const held: DrainedMessage[] = [];
  // Sent back only once the drain is over: a copy sent at once would be visible again and met
  // (and copied) again by the next receive of this very drain.
  const others: ReceivedSyncMessage[] = [];
  const taken = new Set<string>([deployment]);
  const refused = new Set<string>();
  let seen = 0;
  while (seen < options.maxMessages) {
    const received = await queue.receive(Math.min(32, options.maxMessages - seen), options.visibilitySeconds);
    if (received.length === 0) break;
    seen += received.length;
    let folded = 0;
    for (const message of received) {
      const decoded = decodeSyncMessage(message.body);
      if (!decoded.ok) continue;
      const owner = decoded.message.deployment;
      // Another Deployment's hints ride along only once its lease is ours (its full message came first).
      let fold = taken.has(owner);
      if (!fold && decoded.message.trigger.kind === "full" && options.foldFull !== undefined && !refused.has(owner)) {
        fold = await options.foldFull(owner);
        (fold ? taken : refused).add(owner);
      }
      if (fold) {
        folded += 1;
        held.push({ deployment: owner, record: { messageId: `drained-${held.length + 1}`, body: message.body }, message });
      } else {
        others.push(message);
      }
    }
    if (folded === 0) break;
  }
  for (const other of others) await other.requeue();
  return { held, requeued: others.length };
}
