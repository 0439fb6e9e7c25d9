import { relayCoalesced } from "@afsync/runtime/worker/relayCoalesced";
import type { LoadProducerDeps } from "../runtime/LambdaDeps.ts";
import { lazyProducerDeps } from "../runtime/lazyDeps.ts";
import type { SqsBatchEvent, SqsBatchResponse } from "./worker.ts";

/**
 * The hint queue (standard SQS, drained with a batching window and up to 10,000 messages a batch,
 * which a FIFO event source cannot do) → one message per Deployment on the FIFO sync queue. This
 * is where a burst becomes one write: the worker's FIFO batches hold at most 10 messages, so
 * without this stage 1,000 events would be 100 engine runs. Partial batch failure: a message that
 * does not decode returns alone; if the relay cannot be sent, the whole batch returns.
 */
export function createCoalesceHandler(load: LoadProducerDeps) {
  return async (event: SqsBatchEvent): Promise<SqsBatchResponse> => {
    const failures = await relayCoalesced(event.Records, await load());
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

export const handler = createCoalesceHandler(lazyProducerDeps(process.env));
