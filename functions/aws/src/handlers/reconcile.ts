import { fanOutReconcile } from "@afsync/runtime/fanout/fanOutReconcile";
import { enqueueEveryDeployment } from "@afsync/runtime/fanout/ReconcileSetup";
import type { LoadReconcileDeps } from "../runtime/LambdaDeps.ts";
import { lazyReconcileDeps } from "../runtime/lazyDeps.ts";
import { secretEnvReaderInTheBundle } from "../runtime/secretEnvReaderInTheBundle.ts";

export interface ReconcileResult {
  readonly enqueued: readonly string[];
}

/**
 * The schedule → a `full` message on the same FIFO queue as the events for each Deployment whose
 * snapshot changed, whose last fan-out a worker did not confirm, or that is due
 * `reconcile.full_every` (`fanOutReconcile`: ListSecrets / DescribeParameters once per source,
 * no value read), rather than syncing here: a reconciliation then never overlaps an event-driven
 * write to the same Deployment, and one slow Deployment cannot time this function out for the others.
 */
export function createReconcileHandler(load: LoadReconcileDeps) {
  return async (event: unknown): Promise<ReconcileResult> => {
    const deps = await load();
    // The scheduled event's id is unique per firing; a manual invoke without one gets the clock.
    const firing = idOf(event) ?? deps.clock.now().toISOString();
    const setup = deps.reconcile ?? enqueueEveryDeployment(deps.bindings);
    const result = await fanOutReconcile({ ...setup, queue: deps.queue, logger: deps.logger, clock: deps.clock }, firing);
    return { enqueued: result.enqueued };
  };
}

function idOf(event: unknown): string | undefined {
  if (typeof event === "object" && event !== null && "id" in event && typeof event.id === "string" && event.id !== "") return event.id;
  return undefined;
}

export const handler = createReconcileHandler(lazyReconcileDeps(process.env, { loadSecretEnvReader: secretEnvReaderInTheBundle }));
