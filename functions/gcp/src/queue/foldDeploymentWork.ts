import { runWorkerBatch, type WorkerDeps } from "@afsync/runtime/worker/runWorkerBatch";
import type { DeploymentWorkSubscriptions, PulledWorkMessage } from "./PubSubWorkSubscriptions.ts";

export interface FoldOptions {
  /** Messages asked for a Pull (1,000: one page; a full page means more may be waiting). */
  readonly pullSize: number;
  /** Messages folded into one run, at most: the rest wait for the next doorbell. */
  readonly maxMessages: number;
}

export const DEFAULT_FOLD_OPTIONS: FoldOptions = { pullSize: 1000, maxMessages: 10_000 };

export interface FoldOutcome {
  /** Work messages pulled and folded into the run (0: nothing was waiting, no run). */
  readonly pulled: number;
  /** Of those, handed back to the subscription because their Deployment's run failed. */
  readonly handedBack: number;
}

/**
 * What a doorbell makes the worker do (ADR 008, GCP): pull everything waiting on the Deployment's
 * work subscription (pages of `pullSize` while they come back full), run the engine ONCE for all of
 * it through the runtime's batch loop, then acknowledge what succeeded and hand back what failed
 * (its lease ends now, so the doorbell's redelivery pulls it again). Nothing is acknowledged before
 * the run, so a worker killed mid-run loses nothing: its leases run out and the messages come back.
 * The ordering key of the doorbells keeps one fold per Deployment at a time (ADR 005).
 */
export async function foldDeploymentWork(
  deployment: string,
  subscriptions: DeploymentWorkSubscriptions,
  deps: WorkerDeps,
  options: FoldOptions = DEFAULT_FOLD_OPTIONS,
): Promise<FoldOutcome> {
  const pulled: PulledWorkMessage[] = [];
  while (pulled.length < options.maxMessages) {
    const asked = Math.min(options.pullSize, options.maxMessages - pulled.length);
    const page = await subscriptions.pull(deployment, asked);
    pulled.push(...page);
    // Pull may return fewer than are waiting; a short page ends the fold, and whatever it left
    // is bounded by the next doorbell (each work message has one after it) or reconciliation.
    if (page.length < asked) break;
  }
  if (pulled.length === 0) return { pulled: 0, handedBack: 0 };
  const failed = new Set(
    await runWorkerBatch(
      pulled.map((m) => ({ messageId: m.messageId, body: m.body })),
      deps,
    ),
  );
  const done = pulled.filter((m) => !failed.has(m.messageId)).map((m) => m.ackId);
  const again = pulled.filter((m) => failed.has(m.messageId)).map((m) => m.ackId);
  if (done.length > 0) await subscriptions.acknowledge(deployment, done);
  if (again.length > 0) await subscriptions.handBack(deployment, again);
  return { pulled: pulled.length, handedBack: again.length };
}
