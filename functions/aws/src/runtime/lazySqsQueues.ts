import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { QueueUrls } from "./queueUrlsFromEnv.ts";
import type { SqsQueues } from "./sqsQueuesFor.ts";

/**
 * The same queues as `sqsQueuesFor`, with the SQS SDK loaded and the client built on the first
 * send. For the worker: it consumes the sync queue through Lambda's event source mapping and
 * never sends, yet its deps carry the queues (tests also drive the producers with them), so its
 * cold start should not evaluate the SQS SDK for them.
 */
export function lazySqsQueues(urls: QueueUrls, env: NodeJS.ProcessEnv): { queue: SyncQueue; hintQueue?: SyncQueue } {
  let built: Promise<SqsQueues> | undefined;
  const queues = () => {
    built ??= import("./sqsQueuesFor.ts").then((m) => m.sqsQueuesFor(urls, env));
    return built;
  };
  const queue: SyncQueue = { enqueue: async (messages: readonly SyncMessage[]) => (await queues()).queue.enqueue(messages) };
  if (urls.hintQueueUrl === undefined) return { queue };
  return {
    queue,
    hintQueue: {
      enqueue: async (messages: readonly SyncMessage[]) => {
        const sqs = await queues();
        return (sqs.hintQueue ?? sqs.queue).enqueue(messages);
      },
    },
  };
}
