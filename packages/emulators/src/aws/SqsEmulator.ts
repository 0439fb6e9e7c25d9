import type { AwsEmulatorContext } from "./AwsEmulatorContext.ts";
import { AwsServiceError, optionalNumber, optionalObject, optionalObjectList, requireString } from "./AwsServiceError.ts";
import { queueError, SqsQueue } from "./SqsQueue.ts";

type Json = Record<string, unknown>;

const BATCH_LIMIT = 10;

/**
 * SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Op>`, what @aws-sdk/client-sqs
 * 3.17x speaks): CreateQueue, GetQueueUrl, GetQueueAttributes, SendMessage(Batch),
 * ReceiveMessage, DeleteMessage(Batch). Standard and FIFO queues with visibility timeouts,
 * receive counts and redrive to a DLQ (see SqsQueue). Time comes from the context, so tests
 * advance it instead of sleeping.
 */
export class SqsEmulator {
  readonly #queues = new Map<string, SqsQueue>();
  readonly #ctx: AwsEmulatorContext;
  readonly #baseUrl: () => string;

  constructor(ctx: AwsEmulatorContext, baseUrl: () => string) {
    this.#ctx = ctx;
    this.#baseUrl = baseUrl;
  }

  /** Messages waiting and in flight, for assertions. */
  depth(queueName: string): { visible: number; inFlight: number } {
    return this.#queues.get(queueName)?.depth(this.#ctx.now()) ?? { visible: 0, inFlight: 0 };
  }

  /** True when ReceiveMessage on this queue would return something now (for long polling). */
  hasVisible(body: Json): boolean {
    const url = body.QueueUrl;
    const q = typeof url === "string" ? this.#queues.get(url.split("/").pop() ?? "") : undefined;
    return q?.hasDeliverable(this.#ctx.now()) ?? false;
  }

  handle(op: string, body: Json): unknown {
    switch (op) {
      case "CreateQueue":
        return this.#createQueue(body);
      case "GetQueueUrl": {
        const q = this.#queues.get(requireString(body, "QueueName"));
        if (!q) throw queueError("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
        return { QueueUrl: q.settings.url };
      }
      case "GetQueueAttributes": {
        const q = this.#byUrl(body);
        const { visible, inFlight } = q.depth(this.#ctx.now());
        const counts = { ApproximateNumberOfMessages: String(visible), ApproximateNumberOfMessagesNotVisible: String(inFlight) };
        return { Attributes: { ...q.settings.attributes, QueueArn: q.settings.arn, ...counts } };
      }
      case "SendMessage":
        return this.#byUrl(body).send(body, this.#ctx.now());
      case "SendMessageBatch":
        return this.#batch(body, (q, entry) => q.send(entry, this.#ctx.now()));
      case "ReceiveMessage": {
        const q = this.#byUrl(body);
        const max = optionalNumber(body, "MaxNumberOfMessages") ?? 1;
        if (max < 1 || max > BATCH_LIMIT) {
          throw queueError(
            "InvalidParameterValue",
            `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
            "InvalidParameterValue",
          );
        }
        const visibility = optionalNumber(body, "VisibilityTimeout") ?? q.settings.visibilityTimeout;
        const messages = q.receive(max, visibility, this.#ctx.now(), (arn) =>
          [...this.#queues.values()].find((x) => x.settings.arn === arn),
        );
        return messages.length > 0 ? { Messages: messages } : {};
      }
      case "DeleteMessage":
        this.#byUrl(body).delete(requireString(body, "ReceiptHandle"));
        return {};
      case "DeleteMessageBatch":
        return this.#batch(body, (q, entry) => {
          q.delete(requireString(entry, "ReceiptHandle"));
          return {};
        });
      default:
        throw new AwsServiceError("UnknownOperationException", `Operation AmazonSQS.${op} is not supported by the emulator`);
    }
  }

  #createQueue(body: Json): Json {
    const name = requireString(body, "QueueName");
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(optionalObject(body, "Attributes") ?? {})) attributes[k] = String(v);
    const fifo = attributes.FifoQueue === "true";
    if (fifo !== name.endsWith(".fifo")) {
      throw queueError(
        "InvalidParameterValue",
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.",
        "InvalidParameterValue",
      );
    }
    const existing = this.#queues.get(name);
    if (existing) return { QueueUrl: existing.settings.url };
    const queue = new SqsQueue({
      name,
      url: `${this.#baseUrl()}/${this.#ctx.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.#ctx.region}:${this.#ctx.accountId}:${name}`,
      fifo,
      contentBasedDedup: attributes.ContentBasedDeduplication === "true",
      visibilityTimeout: Number(attributes.VisibilityTimeout ?? 30),
      attributes,
      ...redriveOf(attributes.RedrivePolicy),
    });
    this.#queues.set(name, queue);
    return { QueueUrl: queue.settings.url };
  }

  #byUrl(body: Json): SqsQueue {
    const q = this.#queues.get(requireString(body, "QueueUrl").split("/").pop() ?? "");
    if (!q) throw queueError("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
    return q;
  }

  #batch(body: Json, each: (q: SqsQueue, entry: Json) => Json): Json {
    const q = this.#byUrl(body);
    const entries = optionalObjectList(body, "Entries") ?? [];
    if (entries.length === 0)
      throw queueError(
        "EmptyBatchRequest",
        "There should be at least one entry in the request.",
        "AWS.SimpleQueueService.EmptyBatchRequest",
      );
    if (entries.length > BATCH_LIMIT) {
      throw queueError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are ${BATCH_LIMIT}.`,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      );
    }
    const ids = entries.map((e) => String(e.Id));
    if (new Set(ids).size !== ids.length) {
      throw queueError(
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      );
    }
    const successful: Json[] = [];
    const failed: Json[] = [];
    for (const entry of entries) {
      try {
        successful.push({ Id: String(entry.Id), ...each(q, entry) });
      } catch (err) {
        if (!(err instanceof AwsServiceError)) throw err;
        failed.push({ Id: String(entry.Id), SenderFault: true, Code: err.type.replace(/^.*#/, ""), Message: err.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }
}

function redriveOf(policy: string | undefined): { redrive?: { deadLetterTargetArn: string; maxReceiveCount: number } } {
  if (policy === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    parsed = undefined;
  }
  const p = (typeof parsed === "object" && parsed !== null ? parsed : {}) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof p.deadLetterTargetArn !== "string" || !(Number(p.maxReceiveCount) >= 1)) {
    throw queueError("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy.", "InvalidAttributeValue");
  }
  return { redrive: { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: Number(p.maxReceiveCount) } };
}
