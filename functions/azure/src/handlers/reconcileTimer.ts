import { fanOutReconcile } from "@afsync/runtime/fanout/fanOutReconcile";
import { enqueueEveryDeployment } from "@afsync/runtime/fanout/ReconcileSetup";
import type { InvocationContext, Timer } from "@azure/functions";
import type { LoadProducerDeps } from "../runtime/FunctionDeps.ts";

export interface ReconcileResult {
  readonly enqueued: readonly string[];
}

/**
 * The timer → a `full` message on the sync queue for each Deployment whose snapshot changed
 * (`fanOutReconcile`: Key Vault lists no versions, so each source is read once for all the
 * Deployments and fingerprinted by keyed hash), was not confirmed, or is due `reconcile.full_every`;
 * the worker's lease then keeps a reconciliation from overlapping an event-driven write, and one
 * slow Deployment cannot time this function out for the others. It is the only way a deletion or
 * a disabled secret is found: Key Vault sends no event for either (both change the snapshot).
 */
export function createReconcileTimerHandler(load: LoadProducerDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<ReconcileResult> => {
    const deps = await load();
    const firing = context.invocationId;
    if (timer.isPastDue) deps.logger.log("info", "reconciliation past due", { firing });
    const setup = deps.reconcile ?? enqueueEveryDeployment(deps.bindings);
    const result = await fanOutReconcile({ ...setup, queue: deps.queue, logger: deps.logger, clock: deps.clock }, firing);
    return { enqueued: result.enqueued };
  };
}
