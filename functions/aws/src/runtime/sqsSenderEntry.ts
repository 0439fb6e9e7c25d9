/**
 * The SQS sender (`sqsQueuesFor`: the SQS SDK and `SqsSyncQueue`) as one module, for the worker's
 * queues (`lazySqsQueues`), which send only when a test drives a producer with the worker's deps:
 * in a Lambda bundle it is the entry of a file of its own beside the bundle (`sqsSenderSideFile`),
 * so the worker's cold start does not pre-parse the SQS client (about 40 KB). The producers, which
 * send on every invocation, import `sqsQueuesFor` itself and keep it in their bundle.
 */
export { sqsQueuesFor } from "./sqsQueuesFor.ts";
