import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { LoadProducerDeps } from "../runtime/LambdaDeps.ts";
import { lazyProducerDeps } from "../runtime/lazyDeps.ts";

export interface ReconcileResult {
  readonly enqueued: readonly string[];
}

/**
 * The schedule → one `full` message per Deployment on the same FIFO queue as the events, rather
 * than syncing here: a reconciliation then never overlaps an event-driven write to the same
 * Deployment, and one slow Deployment cannot time this function out for the others.
 */
export function createReconcileHandler(load: LoadProducerDeps) {
  return async (event: unknown): Promise<ReconcileResult> => {
    const deps = await load();
    // The scheduled event's id is unique per firing; a manual invoke without one gets the clock.
    const firing = idOf(event) ?? deps.clock.now().toISOString();
    const messages: SyncMessage[] = deps.bindings.map((binding) => ({
      v: 1,
      deployment: binding.id,
      trigger: { kind: "full" },
      origin: `schedule:${firing}`,
    }));
    await deps.queue.enqueue(messages);
    deps.logger.log("info", "reconciliation enqueued", { firing, deployments: messages.map((m) => m.deployment) });
    return { enqueued: messages.map((m) => m.deployment) };
  };
}

function idOf(event: unknown): string | undefined {
  if (typeof event === "object" && event !== null && "id" in event && typeof event.id === "string" && event.id !== "") return event.id;
  return undefined;
}

export const handler = createReconcileHandler(lazyProducerDeps(process.env));
