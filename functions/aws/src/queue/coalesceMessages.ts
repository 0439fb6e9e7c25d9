import type { ChangeHint } from "@afsync/core";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { decodeSyncMessage } from "./SyncMessage.ts";

/** One SQS record as the worker needs it (a subset of `SQSRecord` from aws-lambda). */
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
}

export interface CoalescedBatch {
  readonly work: readonly DeploymentWork[];
  readonly malformed: readonly { readonly messageId: string; readonly reason: string }[];
}

/**
 * A burst of events for one Deployment becomes one plan and one write. A `full` message
 * absorbs every hint (a reconciliation re-reads everything anyway); otherwise the hints are
 * concatenated without duplicates. Deployments keep the order of their first message.
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
    const { deployment, trigger, origin } = decoded.message;
    const entry: Accumulator = byDeployment.get(deployment) ?? { full: false, hints: new Map(), messageIds: [], origins: [] };
    entry.messageIds.push(record.messageId);
    entry.origins.push(origin);
    if (trigger.kind === "full") entry.full = true;
    else for (const hint of trigger.hints) entry.hints.set(hintIdentity(hint), hint);
    byDeployment.set(deployment, entry);
  }
  const work = [...byDeployment].map(([deployment, entry]): DeploymentWork => {
    const trigger: Trigger = entry.full ? { kind: "full" } : { kind: "hints", hints: [...entry.hints.values()] };
    return { deployment, trigger, messageIds: entry.messageIds, origins: entry.origins };
  });
  return { work, malformed };
}

interface Accumulator {
  full: boolean;
  readonly hints: Map<string, ChangeHint>;
  readonly messageIds: string[];
  readonly origins: string[];
}

function hintIdentity(hint: ChangeHint): string {
  const keys = (hint.keys ?? []).map((k) => `${k.kind}:${k.id}`).join(",");
  return JSON.stringify([hint.provider, hint.sourceId ?? "", hint.secretId, hint.version ?? "", hint.action, keys]);
}
