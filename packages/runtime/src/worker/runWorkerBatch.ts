import type { Logger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { coalesceMessages, type DeploymentWork, type QueueRecord } from "./coalesceMessages.ts";

/** What a cloud worker hands the batch loop: the Deployments it can sync and the engine. */
export interface WorkerDeps {
  readonly bindings: readonly DeploymentBinding[];
  readonly engine: { sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> };
  readonly logger: Logger;
}

/**
 * The worker's batch loop, whatever the queue: a batch → coalesced per Deployment → one engine run
 * per Deployment → the ids of the messages to hand back to the queue. A failed Deployment returns
 * all of its messages (a FIFO group / session stays in order and is retried as a whole); a
 * message that does not decode is returned on its own, so after the queue's max deliveries it
 * lands in the dead-letter queue without holding up the rest of the batch.
 */
export async function runWorkerBatch(records: readonly QueueRecord[], deps: WorkerDeps): Promise<string[]> {
  const { work, malformed } = coalesceMessages(records);
  const failures: string[] = [];
  for (const bad of malformed) {
    deps.logger.log("error", "queue message rejected", { messageId: bad.messageId, reason: bad.reason });
    failures.push(bad.messageId);
  }
  // Deployments are independent (own target, own FIFO group): run them side by side.
  const outcomes = await Promise.all(work.map((item) => runDeployment(item, deps)));
  for (const [index, ok] of outcomes.entries()) if (!ok) failures.push(...(work[index]?.messageIds ?? []));
  return failures;
}

async function runDeployment(item: DeploymentWork, deps: WorkerDeps): Promise<boolean> {
  const fields = { deployment: item.deployment, messages: item.messageIds.length, origins: item.origins, trigger: item.trigger.kind };
  const binding: DeploymentBinding | undefined = deps.bindings.find((b) => b.id === item.deployment);
  if (binding === undefined) {
    // The config deployed with this function no longer has the Deployment: retrying will not help,
    // so the message goes to the DLQ where it stays visible.
    deps.logger.log("error", "message names a Deployment the bundled config does not have", fields);
    return false;
  }
  try {
    const report = await deps.engine.sync([binding], item.trigger);
    const result = report.deployments.find((d) => d.id === binding.id);
    const counts = report.summary;
    if (result === undefined || result.status === "failed") {
      deps.logger.log("error", "sync failed", { ...fields, error: result?.error ?? "the engine returned no report for the Deployment" });
      return false;
    }
    const refused = result.changes.filter((c) => c.error !== undefined).map((c) => ({ key: c.key, error: c.error }));
    if (refused.length > 0) {
      // Some keys were refused by the target: retry the messages (the engine skips what already landed).
      deps.logger.log("error", "target refused some keys", { ...fields, refused });
      return false;
    }
    deps.logger.log("info", "sync done", {
      ...fields,
      writes: result.writes,
      create: counts.create,
      update: counts.update,
      delete: counts.delete,
      unchanged: counts.unchanged,
      invalid: counts.invalid,
      conflict: counts.conflict,
    });
    return true;
  } catch (error) {
    deps.logger.log("error", "sync threw", { ...fields, error });
    return false;
  }
}
