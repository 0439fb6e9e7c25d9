import type { QueueRecord } from "@afsync/runtime/worker/coalesceMessages";
import type { LoadLambdaDeps } from "../runtime/LambdaDeps.ts";
import { lazyLambdaDeps } from "../runtime/lazyDeps.ts";
import { secretEnvReaderInTheBundle } from "../runtime/secretEnvReaderInTheBundle.ts";

/** The parts of Lambda's SQS event and partial-batch response this handler reads and writes. */
export interface SqsBatchEvent {
  readonly Records: readonly QueueRecord[];
}
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/**
 * SQS batch → the runtime's batch loop → partial batch failure: the messages of a failed
 * Deployment, and each message that does not decode, go back to the FIFO queue (then its DLQ).
 */
export function createWorkerHandler(load: LoadLambdaDeps) {
  return async (event: SqsBatchEvent): Promise<SqsBatchResponse> => {
    const deps = await load();
    // Imported here, not at the top: Lambda's init phase then evaluates only this module, and the
    // batch loop with its decoder loads with the rest of the first invocation (see lazyDeps.ts).
    const { runWorkerBatch } = await import("@afsync/runtime/worker/runWorkerBatch");
    const failures = await runWorkerBatch(event.Records, deps);
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = createWorkerHandler(lazyLambdaDeps(process.env, { loadSecretEnvReader: secretEnvReaderInTheBundle }));
