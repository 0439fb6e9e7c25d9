import type { Logger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { DeploymentReport, RunReport } from "@afsync/core/engine/RunReport";
import { summarize } from "@afsync/core/engine/summarize";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { coalesceTriggers } from "../edge/coalesceTriggers.ts";
import type { FanoutLedger } from "../fanout/FanoutLedger.ts";
import { coalesceMessages, type DeploymentWork, type QueueRecord } from "./coalesceMessages.ts";

/** What a cloud worker hands the batch loop: the Deployments it can sync and the engine. */
export interface WorkerDeps {
  readonly bindings: readonly DeploymentBinding[];
  readonly engine: { sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> };
  readonly logger: Logger;
  /**
   * Where the scheduled reconciliation keeps what it fanned out: a Deployment whose run of a
   * fan-out message succeeded is recorded as confirmed there. Absent: nothing is confirmed, so a
   * `changed` reconciliation keeps enqueueing every Deployment (never less than before).
   */
  readonly fanoutLedger?: FanoutLedger;
}

/**
 * The worker's batch loop, whatever the queue: a batch → coalesced per Deployment → one engine run
 * per kind of trigger (every Deployment due a full reconciliation in one run, every hinted one in
 * another) → the ids of the messages to hand back to the queue. One run reads each source once
 * whatever the number of Deployments in it (the engine batches the reads per source), so ten
 * Deployments sharing a source cost one read of it, not ten.
 *
 * A failed Deployment returns all of its messages (a FIFO group / session stays in order and is
 * retried as a whole); a message that does not decode is returned on its own, so after the
 * queue's max deliveries it lands in the dead-letter queue without holding up the rest of the batch.
 */
export async function runWorkerBatch(records: readonly QueueRecord[], deps: WorkerDeps): Promise<string[]> {
  const { work, malformed } = coalesceMessages(records);
  const failures: string[] = [];
  for (const bad of malformed) {
    deps.logger.log("error", "queue message rejected", { messageId: bad.messageId, reason: bad.reason });
    failures.push(bad.messageId);
  }
  const runnable: { item: DeploymentWork; binding: DeploymentBinding }[] = [];
  for (const item of work) {
    const binding = deps.bindings.find((b) => b.id === item.deployment);
    if (binding !== undefined) {
      runnable.push({ item, binding });
      continue;
    }
    // The config deployed with this function no longer has the Deployment: retrying will not help,
    // so the message goes to the DLQ where it stays visible.
    deps.logger.log("error", "message names a Deployment the bundled config does not have", fieldsOf(item));
    failures.push(...item.messageIds);
  }
  // A full run absorbs hints, but only for its own Deployments: a hinted Deployment must not pay
  // for a full read of its sources because another one in the batch was due a reconciliation.
  const runs = [runnable.filter((r) => r.item.trigger.kind === "full"), runnable.filter((r) => r.item.trigger.kind === "hints")];
  // The two runs touch different Deployments (own target, own FIFO group): side by side.
  const outcomes = await Promise.all(runs.filter((run) => run.length > 0).map((run) => runTogether(run, deps)));
  for (const failed of outcomes) failures.push(...failed);
  await confirmFanouts(
    runnable.map((r) => r.item),
    new Set(failures),
    deps,
  );
  return failures;
}

/**
 * Records each succeeded Deployment's fan-out as confirmed (the latest, when several were folded
 * into the run). A ledger write that fails costs one needless enqueue at the next firing, not a
 * lost change, so it is logged and the messages still count as done.
 */
async function confirmFanouts(items: readonly DeploymentWork[], failed: ReadonlySet<string>, deps: WorkerDeps): Promise<void> {
  const ledger = deps.fanoutLedger;
  if (ledger === undefined) return;
  await Promise.all(
    items.map(async (item) => {
      if (item.fanouts.length === 0 || item.messageIds.some((id) => failed.has(id))) return;
      const latest = item.fanouts.reduce((a, b) => (Date.parse(b.at) > Date.parse(a.at) ? b : a));
      try {
        await ledger.write(item.deployment, { fingerprint: latest.fingerprint, at: latest.at, confirmed: true });
      } catch (error) {
        deps.logger.log("warn", "fan-out not confirmed; the next reconciliation enqueues the Deployment again", {
          deployment: item.deployment,
          error,
        });
      }
    }),
  );
}

/** One engine run over the Deployments given; returns the message ids of those that failed. */
async function runTogether(run: readonly { item: DeploymentWork; binding: DeploymentBinding }[], deps: WorkerDeps): Promise<string[]> {
  const trigger = coalesceTriggers(run.map((r) => r.item.trigger));
  let report: RunReport;
  try {
    report = await deps.engine.sync(
      run.map((r) => r.binding),
      trigger,
    );
  } catch (error) {
    if (run.length === 1) {
      const [only] = run;
      if (only === undefined) return [];
      deps.logger.log("error", "sync threw", { ...fieldsOf(only.item), error });
      return [...only.item.messageIds];
    }
    // A run that throws (rather than reporting a failed Deployment) names no culprit: run each
    // Deployment alone, so one broken Deployment does not hold back the others' messages.
    deps.logger.log("warn", "joint sync threw; running its Deployments one by one", { deployments: run.map((r) => r.binding.id), error });
    const alone = await Promise.all(run.map((r) => runTogether([r], deps)));
    return alone.flat();
  }
  const failed: string[] = [];
  for (const { item, binding } of run) {
    const result = report.deployments.find((d) => d.id === binding.id);
    if (!judge(item, result, deps.logger)) failed.push(...item.messageIds);
  }
  return failed;
}

/** Logs one Deployment's outcome; true when its messages are done with. */
function judge(item: DeploymentWork, result: DeploymentReport | undefined, logger: Logger): boolean {
  const fields = fieldsOf(item);
  if (result === undefined || result.status === "failed") {
    logger.log("error", "sync failed", { ...fields, error: result?.error ?? "the engine returned no report for the Deployment" });
    return false;
  }
  const refused = result.changes.filter((c) => c.error !== undefined).map((c) => ({ key: c.key, error: c.error }));
  if (refused.length > 0) {
    // Some keys were refused by the target: retry the messages (the engine skips what already landed).
    logger.log("error", "target refused some keys", { ...fields, refused });
    return false;
  }
  // This Deployment's own counts, not the joint run's.
  const counts = summarize([result], 0);
  logger.log("info", "sync done", {
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
}

function fieldsOf(item: DeploymentWork) {
  return { deployment: item.deployment, messages: item.messageIds.length, origins: item.origins, trigger: item.trigger.kind };
}
