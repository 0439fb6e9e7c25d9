export const QUEUE_URL_ENV = "AFSYNC_QUEUE_URL";
export const HINT_QUEUE_URL_ENV = "AFSYNC_HINT_QUEUE_URL";

export interface QueueUrls {
  /** The FIFO sync queue the worker consumes. */
  readonly queueUrl: string;
  /** The standard hint queue the coalesce function drains, when the deployment has one (serverless.yml does; a test may not). */
  readonly hintQueueUrl?: string;
}

/** The queue URLs every function is given; a missing sync queue URL fails the cold start. */
export function queueUrlsFromEnv(resolvedEnv: NodeJS.ProcessEnv): QueueUrls {
  const queueUrl = resolvedEnv[QUEUE_URL_ENV];
  if (queueUrl === undefined || queueUrl === "")
    throw new Error(`${QUEUE_URL_ENV} is not set (serverless.yml sets it to the FIFO queue's URL)`);
  const hintQueueUrl = resolvedEnv[HINT_QUEUE_URL_ENV];
  return { queueUrl, ...(hintQueueUrl === undefined || hintQueueUrl === "" ? {} : { hintQueueUrl }) };
}
