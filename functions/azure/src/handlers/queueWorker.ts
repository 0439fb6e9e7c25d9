import { setTimeout as sleep } from "node:timers/promises";
import type { InvocationContext } from "@azure/functions";
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
}

export interface QueueWorkerResult {
  readonly deployment: string;
  /** How many times the lease was found held by another worker before this one got it. */
  readonly leaseWaits: number;
  /** The Deployment's other waiting messages folded into this run (and deleted after it). */
  readonly drained: number;
}

// Well under the Consumption plan's default 5-minute function timeout.
const DEFAULT_LEASE_WAIT_MS = 120_000;
const DEFAULT_LEASE_POLL_MS = 1_000;
const DEFAULT_DRAIN_MAX_MESSAGES = 2_048;
// Drained messages stay hidden this long: host.json's functionTimeout, so they cannot reappear
// (and be run by another worker) while this run may still be going.
const DRAIN_VISIBILITY_SECONDS = 300;

/**
 * The queue-triggered worker: one Storage Queues message, plus the Deployment's other messages
 * waiting in the queue (`drainDeploymentMessages`: a burst becomes one run), → the runtime's batch
 * loop, under the Deployment's blob lease, so two instances never apply one Deployment at once. Throwing hands the
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
        const drained =
          deps.queueReader === undefined
            ? { records: [], held: [], requeued: 0 }
            : await drainDeploymentMessages(deps.queueReader, message.deployment, {
                visibilitySeconds: options.drainVisibilitySeconds ?? DRAIN_VISIBILITY_SECONDS,
                maxMessages: drainMax,
              });
        if (drained.held.length > 0 || drained.requeued > 0)
          deps.logger.log("info", "waiting messages folded into the run", {
            messageId,
            deployment: message.deployment,
            drained: drained.held.length,
            requeued: drained.requeued,
          });
        const failures = await runWorkerBatch([record, ...drained.records], deps);
        // On failure the drained messages reappear after their visibility timeout, like this one.
        if (failures.length === 0) for (const held of drained.held) await held.complete();
        return { failures, drained: drained.held.length };
      });
      if (run.ran) {
        if (run.result.failures.length > 0)
          throw new Error(`sync of Deployment ${message.deployment} failed (message ${messageId}); see the log`);
        return { deployment: message.deployment, leaseWaits: waits, drained: run.result.drained };
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
