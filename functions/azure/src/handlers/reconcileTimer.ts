import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { InvocationContext, Timer } from "@azure/functions";
import type { LoadProducerDeps } from "../runtime/FunctionDeps.ts";

export interface ReconcileResult {
  readonly enqueued: readonly string[];
}

/**
 * The timer → one `full` message per Deployment on the sync queue, rather than syncing here: the
 * worker's lease then keeps a reconciliation from overlapping an event-driven write, and one slow
 * Deployment cannot time this function out for the others. It is the only way a deletion or a
 * disabled secret is found: Key Vault sends no event for either.
 */
export function createReconcileTimerHandler(load: LoadProducerDeps) {
  return async (timer: Timer, context: InvocationContext): Promise<ReconcileResult> => {
    const deps = await load();
    const firing = context.invocationId;
    const messages: SyncMessage[] = deps.bindings.map((binding) => ({
      v: 1,
      deployment: binding.id,
      trigger: { kind: "full" },
      origin: `schedule:${firing}`,
    }));
    await deps.queue.enqueue(messages);
    deps.logger.log("info", "reconciliation enqueued", {
      firing,
      pastDue: timer.isPastDue,
      deployments: messages.map((m) => m.deployment),
    });
    return { enqueued: messages.map((m) => m.deployment) };
  };
}
