import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsSyncQueue } from "../queue/SqsSyncQueue.ts";
import type { QueueUrls } from "./queueUrlsFromEnv.ts";

export interface SqsQueues {
  readonly queue: SqsSyncQueue;
  readonly hintQueue?: SqsSyncQueue;
}

/**
 * The FIFO sync queue, and the standard hint queue when the deployment has one, over one SQS
 * client (they differ only in their URL). The producers build these on their cold start: every
 * invocation that routes an event sends.
 */
export function sqsQueuesFor(urls: QueueUrls, env: NodeJS.ProcessEnv): SqsQueues {
  const client = new SQSClient(sqsClientConfig(env));
  return {
    queue: new SqsSyncQueue(client, urls.queueUrl),
    ...(urls.hintQueueUrl === undefined ? {} : { hintQueue: new SqsSyncQueue(client, urls.hintQueueUrl, "standard") }),
  };
}

/**
 * SQS client settings from the given env rather than process.env (as the AWS sources do), so a
 * test's emulator endpoint and fake credentials reach the client. In Lambda these are the
 * runtime's own variables (the role's session credentials), what the SDK would pick up itself.
 */
export function sqsClientConfig(env: NodeJS.ProcessEnv) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return {
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}
