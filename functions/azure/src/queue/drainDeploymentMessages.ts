import { decodeSyncMessage } from "@afsync/runtime/edge/decodeSyncMessage";
import type { QueueRecord } from "@afsync/runtime/worker/coalesceMessages";
import type { ReceivedSyncMessage } from "./StorageQueueSyncQueue.ts";

/** The part of the sync queue the worker drains through. */
export interface SyncQueueReader {
  receive(max: number, visibilitySeconds: number): Promise<ReceivedSyncMessage[]>;
}

export interface DrainedMessages {
  /** The Deployment's waiting messages, as batch records for the runtime's batch loop. */
  readonly records: readonly QueueRecord[];
  /** The same messages, to delete once the run succeeded (on failure they reappear on their own). */
  readonly held: readonly ReceivedSyncMessage[];
  /** Other Deployments' messages met on the way and sent back to the queue. */
  readonly requeued: number;
}

export interface DrainOptions {
  /** How long the drained messages stay hidden: longer than the run (the function timeout). */
  readonly visibilitySeconds: number;
  /** How many messages to look at, at most (32 a receive). */
  readonly maxMessages: number;
}

/**
 * What makes a burst one run on Azure: the Storage Queues trigger hands the worker one message
 * per invocation (host.json's batchSize only sets how many run at once), so the worker, once it
 * holds the Deployment's blob lease, takes the Deployment's other waiting messages off the queue
 * and folds them into the same run. The lease makes that safe: no other worker applies this
 * Deployment meanwhile. It stops at the first receive with nothing for the Deployment, so a
 * queue full of other Deployments' work is not scanned whole; those messages go back as copies
 * (`requeue`). A message that does not decode is left alone: it reappears and the host poisons it.
 */
export async function drainDeploymentMessages(queue: SyncQueueReader, deployment: string, options: DrainOptions): Promise<DrainedMessages> {
  const records: QueueRecord[] = [];
  const held: ReceivedSyncMessage[] = [];
  // Sent back only once the drain is over: a copy sent at once would be visible again and met
  // (and copied) again by the next receive of this very drain.
  const others: ReceivedSyncMessage[] = [];
  let seen = 0;
  while (seen < options.maxMessages) {
    const received = await queue.receive(Math.min(32, options.maxMessages - seen), options.visibilitySeconds);
    if (received.length === 0) break;
    seen += received.length;
    let mine = 0;
    for (const message of received) {
      const decoded = decodeSyncMessage(message.body);
      if (!decoded.ok) continue;
      if (decoded.message.deployment === deployment) {
        mine += 1;
        held.push(message);
        records.push({ messageId: `drained-${held.length}`, body: message.body });
      } else {
        others.push(message);
      }
    }
    if (mine === 0) break;
  }
  for (const other of others) await other.requeue();
  return { records, held, requeued: others.length };
}
