import { ownSideFileError } from "@afsync/runtime/bundle/ownSideFileError";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { QueueUrls } from "./queueUrlsFromEnv.ts";
import type { SqsQueues } from "./sqsQueuesFor.ts";

/**
 * The same queues as `sqsQueuesFor`, with the SQS SDK loaded and the client built on the first
 * send. For the worker: it consumes the sync queue through Lambda's event source mapping and
 * never sends, yet its deps carry the queues (tests also drive the producers with them), so its
 * cold start should not evaluate the SQS SDK for them. In a Lambda bundle the sender is a file
 * beside it (`sqsSenderEntry`), so the cold start does not parse it either; what that file throws
 * is re-raised as this bundle's own error class (`ownSideFileError`).
 */
export function lazySqsQueues(urls: QueueUrls, env: NodeJS.ProcessEnv): { queue: SyncQueue; hintQueue?: SyncQueue } {
  let built: Promise<SqsQueues> | undefined;
  const queues = () => {
    built ??= import("./sqsSenderEntry.ts").then((m) => m.sqsQueuesFor(urls, env));
    return built;
  };
  const send = async (pick: (sqs: SqsQueues) => SyncQueue, messages: readonly SyncMessage[]) => {
    try {
      return await pick(await queues()).enqueue(messages);
    } catch (error) {
      throw ownSideFileError(error);
    }
  };
  const queue: SyncQueue = { enqueue: (messages) => send((sqs) => sqs.queue, messages) };
  if (urls.hintQueueUrl === undefined) return { queue };
  return { queue, hintQueue: { enqueue: (messages) => send((sqs) => sqs.hintQueue ?? sqs.queue, messages) } };
}
