import { setTimeout as sleep } from "node:timers/promises";
import type { InvocationContext } from "@azure/functions";
import type { HeldLease } from "../lease/DeploymentLease.ts";
import type { LoadFunctionDeps } from "../runtime/FunctionDeps.ts";

export interface QueueWorkerOptions {
  /** How long to wait for another worker to release the Deployment before handing the message back. */
  readonly leaseWaitMs?: number;
  /** How often to try the lease meanwhile. */
  readonly leasePollMs?: number;
  /** How many waiting messages the worker looks at to fold its Deployment's into the run. */
  readonly drainMaxMessages?: number;
  /**
   * How long drained messages stay hidden (default: host.json's functionTimeout, 300 s). A worker
   * killed mid-run leaves them hidden this long, as the Functions host does with its own message.
   */
  readonly drainVisibilitySeconds?: number;
  /**
   * How many other Deployments' full reconciliations (the timer's fan-out) one run may take
   * along, each under its own lease, so a source they share is read once for all of them.
   */
  readonly foldMaxDeployments?: number;
}

export interface QueueWorkerResult {
  readonly deployment: string;
  /** How many times the lease was found held by another worker before this one got it. */
  readonly leaseWaits: number;
  /** The Deployment's other waiting messages folded into this run (and deleted after it). */
  readonly drained: number;
  /** Other Deployments whose full reconciliation joined this run (their leases taken too). */
  readonly folded: readonly string[];
}

// Well under the Consumption plan's default 5-minute function timeout.
const DEFAULT_LEASE_WAIT_MS = 120_000;
const DEFAULT_LEASE_POLL_MS = 1_000;
const DEFAULT_DRAIN_MAX_MESSAGES = 2_048;
const DEFAULT_FOLD_MAX_DEPLOYMENTS = 32;
// Drained messages stay hidden this long: host.json's functionTimeout, so they cannot reappear
// (and be run by another worker) while this run may still be going.
const DRAIN_VISIBILITY_SECONDS = 300;

/**
 * The queue-triggered worker: one Storage Queues message, plus the Deployment's other messages
 * waiting in the queue (`drainDeploymentMessages`: a burst becomes one run), → the runtime's batch
 * loop, under the Deployment's blob lease, so two instances never apply one Deployment at once.
 * Other Deployments' full reconciliations met while draining (the timer's fan-out) join the run
 * when their leases can be taken at once, so one engine run reads a vault they share once.
 * Throwing hands the
 * message back to the queue (visible again after host.json's `visibilityTimeout`); after
 * `maxDequeueCount` deliveries the host moves it to `<queue>-poison`. That happens to a message
 * that does not decode, to a Deployment whose sync failed, and to one whose lease stayed taken.
 *
 * Storage Queues keep no order, so an event's message may arrive after a newer one's: the pinned
 * (older) version is then read and the planner keeps the newer value it applied (Key Vault
 * versions are ordered by creation time), so a late message changes nothing.
 */
export function createQueueWorkerHandler(load: LoadFunctionDeps, options: QueueWorkerOptions = {}) {
  const waitMs = options.leaseWaitMs ?? DEFAULT_LEASE_WAIT_MS;
  const pollMs = options.leasePollMs ?? DEFAULT_LEASE_POLL_MS;
  const drainMax = options.drainMaxMessages ?? DEFAULT_DRAIN_MAX_MESSAGES;
  const foldMax = options.foldMaxDeployments ?? DEFAULT_FOLD_MAX_DEPLOYMENTS;
  return async (queueItem: unknown, context: InvocationContext): Promise<QueueWorkerResult> => {
    const deps = await load();
    // Imported on use, not at the top: the decoder and the batch loop are zod and the engine's
    // callers, which the app's start (every function's, not only the worker's) need not evaluate.
    const [{ decodeSyncMessage }, { runWorkerBatch }, { drainDeploymentMessages }] = await Promise.all([
      import("@afsync/runtime/edge/decodeSyncMessage"),
      import("@afsync/runtime/worker/runWorkerBatch"),
      import("../queue/drainDeploymentMessages.ts"),
    ]);
    const messageId = messageIdOf(context);
    // The host hands a JSON message over parsed; the runtime decodes (and validates) the text.
    const body = typeof queueItem === "string" ? queueItem : JSON.stringify(queueItem);
    const decoded = decodeSyncMessage(body);
    if (!decoded.ok) {
      deps.logger.log("error", "queue message rejected", { messageId, reason: decoded.reason });
      throw new Error(`queue message ${messageId} rejected: ${decoded.reason}`);
    }
    const message = decoded.message;
    const record = { messageId, body };
    // Wall time, not deps.clock: a test's fixed clock must not make the wait endless.
    const deadline = Date.now() + waitMs;
    for (let waits = 0; ; waits++) {
      const run = await deps.lease.runExclusive(message.deployment, async () => {
        // Other Deployments' leases taken during the drain: renewed like ours, released after the run.
        const others = new Map<string, HeldLease>();
        const foldFull = async (deployment: string): Promise<boolean> => {
          if (others.size >= foldMax) return false;
          try {
            const taken = await deps.lease.acquire(deployment);
            if (taken !== null) others.set(deployment, taken);
            return taken !== null;
          } catch (error) {
            deps.logger.log("warn", "could not take another Deployment's lease; its message goes back", { deployment, error });
            return false;
          }
        };
        const renewal = setInterval(
          () => {
            for (const [deployment, held] of others)
              held
                .renew()
                .catch((error: unknown) => deps.logger.log("error", "lost the lease of a folded Deployment", { deployment, error }));
          },
          (deps.lease.durationSeconds * 1000) / 2,
        );
        try {
          const drained =
            deps.queueReader === undefined
              ? { held: [], requeued: 0 }
              : await drainDeploymentMessages(deps.queueReader, message.deployment, {
                  visibilitySeconds: options.drainVisibilitySeconds ?? DRAIN_VISIBILITY_SECONDS,
                  maxMessages: drainMax,
                  foldFull,
                });
          const own = drained.held.filter((h) => h.deployment === message.deployment).length;
          if (drained.held.length > 0 || drained.requeued > 0)
            deps.logger.log("info", "waiting messages folded into the run", {
              messageId,
              deployment: message.deployment,
              drained: own,
              folded: [...others.keys()],
              requeued: drained.requeued,
            });
          const failures = new Set(await runWorkerBatch([record, ...drained.held.map((h) => h.record)], deps));
          // Each Deployment's messages are done with, or not, together (runWorkerBatch fails them as
          // a whole); what failed reappears after its visibility timeout, like this one.
          for (const held of drained.held) if (!failures.has(held.record.messageId)) await held.message.complete();
          return { failed: failures.has(messageId), drained: own, folded: [...others.keys()] };
        } finally {
          clearInterval(renewal);
          await Promise.all([...others.values()].map((held) => held.release().catch(() => undefined)));
        }
      });
      if (run.ran) {
        if (run.result.failed) throw new Error(`sync of Deployment ${message.deployment} failed (message ${messageId}); see the log`);
        return { deployment: message.deployment, leaseWaits: waits, drained: run.result.drained, folded: run.result.folded };
      }
      if (Date.now() + pollMs > deadline) {
        deps.logger.log("warn", "Deployment busy: message handed back to the queue", { messageId, deployment: message.deployment });
        throw new Error(`${run.reason}; message ${messageId} goes back to the queue`);
      }
      await sleep(pollMs);
    }
  };
}

function messageIdOf(context: InvocationContext): string {
  const id = context.triggerMetadata?.id;
  return typeof id === "string" && id !== "" ? id : context.invocationId;
}
