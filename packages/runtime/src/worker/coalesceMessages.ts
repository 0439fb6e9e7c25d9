import type { Trigger } from "@afsync/core/engine/Trigger";
import { coalesceTriggers } from "../edge/coalesceTriggers.ts";
import { decodeSyncMessage } from "../edge/decodeSyncMessage.ts";
import type { SyncFanout } from "../edge/SyncMessage.ts";

/** One queue record as the worker needs it (SQS: a subset of `SQSRecord` from aws-lambda). */
export interface QueueRecord {
  readonly messageId: string;
  readonly body: string;
}

/** All messages of one Deployment in a batch, merged into one engine run. */
export interface DeploymentWork {
  readonly deployment: string;
  readonly trigger: Trigger;
  /** Every message id folded into this run: they succeed or fail together. */
  readonly messageIds: readonly string[];
  readonly origins: readonly string[];
  /** The reconciliation fan-outs among those messages: a successful run confirms them. */
  readonly fanouts: readonly SyncFanout[];
}

export interface CoalescedBatch {
  readonly work: readonly DeploymentWork[];
  readonly malformed: readonly { readonly messageId: string; readonly reason: string }[];
}

/**
 * Decodes a batch and groups it per Deployment; each Deployment's triggers then go through the
 * one coalescer (`coalesceTriggers`), so a burst becomes one plan and one write. Deployments keep
 * the order of their first message.
 */
export function coalesceMessages(records: readonly QueueRecord[]): CoalescedBatch {
  const byDeployment = new Map<string, Accumulator>();
  const malformed: { messageId: string; reason: string }[] = [];
  for (const record of records) {
    const decoded = decodeSyncMessage(record.body);
    if (!decoded.ok) {
      malformed.push({ messageId: record.messageId, reason: decoded.reason });
      continue;
    }
    const { deployment, trigger, origin, fanout } = decoded.message;
    const entry: Accumulator = byDeployment.get(deployment) ?? { triggers: [], messageIds: [], origins: [], fanouts: [] };
    if (fanout !== undefined) entry.fanouts.push(fanout);
    entry.messageIds.push(record.messageId);
    entry.origins.push(origin);
    entry.triggers.push(trigger);
    byDeployment.set(deployment, entry);
  }
  const work = [...byDeployment].map(
    ([deployment, entry]): DeploymentWork => ({
      deployment,
      trigger: coalesceTriggers(entry.triggers),
      messageIds: entry.messageIds,
      origins: entry.origins,
      fanouts: entry.fanouts,
    }),
  );
  return { work, malformed };
}

interface Accumulator {
  readonly triggers: Trigger[];
  readonly messageIds: string[];
  readonly origins: string[];
  readonly fanouts: SyncFanout[];
}
