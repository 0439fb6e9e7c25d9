import { createHash, randomUUID } from "node:crypto";
import type { AwsEmulatorContext } from "./AwsEmulatorContext.ts";
import { AwsServiceError, optionalNumber, optionalObject, optionalObjectList, optionalString, requireString } from "./AwsServiceError.ts";

type Json = Record<string, unknown>;

interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  readonly groupId?: string;
  readonly dedupId?: string;
  readonly sequenceNumber?: string;
  readonly messageAttributes?: Json;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  receiptHandle?: string;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly contentBasedDedup: boolean;
  readonly visibilityTimeout: number; // seconds
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  readonly attributes: Record<string, string>;
  messages: StoredMessage[];
  /** dedup id → (message id, expiry ms): FIFO's 5-minute deduplication interval. */
  readonly dedup: Map<string, { messageId: string; sequenceNumber: string; expires: number }>;
  sequence: bigint;
}

const DEDUP_WINDOW_MS = 5 * 60_000;
const BATCH_LIMIT = 10;

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

function queueError(type: string, message: string, legacy: string): AwsServiceError {
  return new AwsServiceError(`com.amazonaws.sqs#${type}`, message, 400, `${legacy};Sender`);
}

/**
 * SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Op>`, what @aws-sdk/client-sqs
 * 3.17x speaks). Standard and FIFO queues: MessageGroupId ordering (a group with a message in
 * flight delivers nothing else), 5-minute MessageDeduplicationId dedup (or content-based),
 * visibility timeout, receive counts and a redrive policy moving a message to its DLQ once it has
 * been received maxReceiveCount times. Time comes from the context so tests advance it.
 */
export class SqsEmulator {
  readonly #queues = new Map<string, Queue>();
  readonly #ctx: AwsEmulatorContext;
  readonly #baseUrl: () => string;

  constructor(ctx: AwsEmulatorContext, baseUrl: () => string) {
    this.#ctx = ctx;
    this.#baseUrl = baseUrl;
  }

  /** Messages waiting and in flight, for assertions. */
  depth(queueName: string): { visible: number; inFlight: number } {
    const q = this.#queues.get(queueName);
    if (!q) return { visible: 0, inFlight: 0 };
    const now = this.#ctx.now();
    const inFlight = q.messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length;
    return { visible: q.messages.length - inFlight, inFlight };
  }

  /** True when ReceiveMessage on this queue would return something now (for long polling). */
  hasVisible(body: Json): boolean {
    const url = body.QueueUrl;
    const q = typeof url === "string" ? this.#byUrl(url, false) : undefined;
    return q !== undefined && this.#deliverable(q, this.#ctx.now()).length > 0;
  }

  handle(op: string, body: Json): unknown {
    switch (op) {
      case "CreateQueue":
        return this.#createQueue(body);
      case "GetQueueUrl": {
        const q = this.#queues.get(requireString(body, "QueueName"));
        if (!q) throw queueError("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
        return { QueueUrl: q.url };
      }
      case "GetQueueAttributes": {
        const q = this.#byUrl(requireString(body, "QueueUrl"));
        const { visible, inFlight } = this.depth(q.name);
        return {
          Attributes: {
            ...q.attributes,
            QueueArn: q.arn,
            ApproximateNumberOfMessages: String(visible),
            ApproximateNumberOfMessagesNotVisible: String(inFlight),
          },
        };
      }
      case "SendMessage":
        return this.#send(this.#byUrl(requireString(body, "QueueUrl")), body);
      case "SendMessageBatch":
        return this.#batch(body, (q, entry) => this.#send(q, entry));
      case "ReceiveMessage":
        return this.#receive(body);
      case "DeleteMessage":
        this.#delete(this.#byUrl(requireString(body, "QueueUrl")), requireString(body, "ReceiptHandle"));
        return {};
      case "DeleteMessageBatch":
        return this.#batch(body, (q, entry) => {
          this.#delete(q, requireString(entry, "ReceiptHandle"));
          return {};
        });
      default:
        throw new AwsServiceError("UnknownOperationException", `Operation AmazonSQS.${op} is not supported by the emulator`);
    }
  }

  #createQueue(body: Json): Json {
    const name = requireString(body, "QueueName");
    const attrs = (optionalObject(body, "Attributes") ?? {}) as Record<string, unknown>;
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) attributes[k] = String(v);
    const fifo = attributes.FifoQueue === "true";
    if (fifo !== name.endsWith(".fifo")) {
      throw queueError(
        "InvalidParameterValue",
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix.",
        "InvalidParameterValue",
      );
    }
    const existing = this.#queues.get(name);
    if (existing) return { QueueUrl: existing.url };
    let redrive: Queue["redrive"];
    if (attributes.RedrivePolicy !== undefined) {
      const parsed: unknown = JSON.parse(attributes.RedrivePolicy);
      const p = parsed as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
      if (typeof p.deadLetterTargetArn !== "string" || Number(p.maxReceiveCount) < 1) {
        throw queueError("InvalidAttributeValue", "Invalid value for the parameter RedrivePolicy.", "InvalidAttributeValue");
      }
      redrive = { deadLetterTargetArn: p.deadLetterTargetArn, maxReceiveCount: Number(p.maxReceiveCount) };
    }
    const queue: Queue = {
      name,
      url: `${this.#baseUrl()}/${this.#ctx.accountId}/${name}`,
      arn: `arn:aws:sqs:${this.#ctx.region}:${this.#ctx.accountId}:${name}`,
      fifo,
      contentBasedDedup: attributes.ContentBasedDeduplication === "true",
      visibilityTimeout: Number(attributes.VisibilityTimeout ?? 30),
      attributes,
      messages: [],
      dedup: new Map(),
      sequence: 10000000000000000000n,
      ...(redrive ? { redrive } : {}),
    };
    this.#queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  #byUrl(url: string, required = true): Queue {
    const name = url.split("/").pop() ?? "";
    const q = this.#queues.get(name);
    if (!q && required)
      throw queueError("QueueDoesNotExist", "The specified queue does not exist.", "AWS.SimpleQueueService.NonExistentQueue");
    return q as Queue;
  }

  #send(q: Queue, entry: Json): Json {
    const body = requireString(entry, "MessageBody");
    const groupId = optionalString(entry, "MessageGroupId");
    let dedupId = optionalString(entry, "MessageDeduplicationId");
    const now = this.#ctx.now();
    if (q.fifo) {
      if (groupId === undefined)
        throw queueError("MissingParameter", "The request must contain the parameter MessageGroupId.", "MissingParameter");
      if (dedupId === undefined && q.contentBasedDedup) dedupId = createHash("sha256").update(body).digest("hex");
      if (dedupId === undefined) {
        throw queueError(
          "InvalidParameterValue",
          "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
          "InvalidParameterValue",
        );
      }
      const seen = q.dedup.get(dedupId);
      // A duplicate inside the interval is accepted and answered like the original, but not enqueued.
      if (seen && seen.expires > now)
        return { MessageId: seen.messageId, MD5OfMessageBody: md5(body), SequenceNumber: seen.sequenceNumber };
    }
    const delay = q.fifo ? 0 : (optionalNumber(entry, "DelaySeconds") ?? 0);
    const messageId = randomUUID();
    q.sequence += 1n;
    const sequenceNumber = q.fifo ? q.sequence.toString() : undefined;
    const attrs = optionalObject(entry, "MessageAttributes");
    const message: StoredMessage = {
      messageId,
      body,
      md5: md5(body),
      sentAt: now,
      visibleAt: now + delay * 1000,
      receiveCount: 0,
      ...(groupId !== undefined ? { groupId } : {}),
      ...(dedupId !== undefined ? { dedupId } : {}),
      ...(sequenceNumber !== undefined ? { sequenceNumber } : {}),
      ...(attrs ? { messageAttributes: attrs } : {}),
    };
    q.messages.push(message);
    if (q.fifo && dedupId !== undefined && sequenceNumber !== undefined)
      q.dedup.set(dedupId, { messageId, sequenceNumber, expires: now + DEDUP_WINDOW_MS });
    return { MessageId: messageId, MD5OfMessageBody: message.md5, ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) };
  }

  #batch(body: Json, each: (q: Queue, entry: Json) => Json): Json {
    const q = this.#byUrl(requireString(body, "QueueUrl"));
    const entries = optionalObjectList(body, "Entries") ?? [];
    if (entries.length === 0)
      throw queueError(
        "EmptyBatchRequest",
        "There should be at least one SendMessageBatchRequestEntry in the request.",
        "AWS.SimpleQueueService.EmptyBatchRequest",
      );
    if (entries.length > BATCH_LIMIT)
      throw queueError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are ${BATCH_LIMIT}.`,
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
      );
    const ids = entries.map((e) => String(e.Id));
    if (new Set(ids).size !== ids.length)
      throw queueError(
        "BatchEntryIdsNotDistinct",
        "Two or more batch entries in the request have the same Id.",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
      );
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

  /** Messages that may be handed out now, in order; a FIFO group with a message in flight is blocked. */
  #deliverable(q: Queue, now: number): StoredMessage[] {
    if (!q.fifo) return q.messages.filter((m) => m.visibleAt <= now);
    const blocked = new Set<string>();
    const out: StoredMessage[] = [];
    for (const m of q.messages) {
      const group = m.groupId ?? "";
      if (blocked.has(group)) continue;
      if (m.visibleAt > now) {
        blocked.add(group);
        continue;
      }
      out.push(m);
    }
    return out;
  }

  #receive(body: Json): Json {
    const q = this.#byUrl(requireString(body, "QueueUrl"));
    const max = optionalNumber(body, "MaxNumberOfMessages") ?? 1;
    if (max < 1 || max > BATCH_LIMIT)
      throw queueError(
        "InvalidParameterValue",
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
        "InvalidParameterValue",
      );
    const visibility = optionalNumber(body, "VisibilityTimeout") ?? q.visibilityTimeout;
    const now = this.#ctx.now();
    const out: Json[] = [];
    for (const m of this.#deliverable(q, now)) {
      if (out.length >= max) break;
      // Redrive: a message already received maxReceiveCount times goes to the DLQ instead.
      if (q.redrive && m.receiveCount >= q.redrive.maxReceiveCount) {
        this.#moveToDeadLetter(q, m);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.receiptHandle = Buffer.from(`${q.name}|${m.messageId}|${randomUUID()}`).toString("base64");
      const attributes: Record<string, string> = {
        SentTimestamp: String(m.sentAt),
        ApproximateReceiveCount: String(m.receiveCount),
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        SenderId: "AIDAEMULATOR",
      };
      if (m.groupId !== undefined) attributes.MessageGroupId = m.groupId;
      if (m.dedupId !== undefined) attributes.MessageDeduplicationId = m.dedupId;
      if (m.sequenceNumber !== undefined) attributes.SequenceNumber = m.sequenceNumber;
      out.push({
        MessageId: m.messageId,
        ReceiptHandle: m.receiptHandle,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: attributes,
        ...(m.messageAttributes ? { MessageAttributes: m.messageAttributes } : {}),
      });
    }
    return out.length > 0 ? { Messages: out } : {};
  }

  #moveToDeadLetter(q: Queue, m: StoredMessage): void {
    q.messages = q.messages.filter((x) => x !== m);
    const dlq = [...this.#queues.values()].find((x) => x.arn === q.redrive?.deadLetterTargetArn);
    // A redrive target that does not exist loses the message, as when a DLQ is deleted on AWS.
    if (!dlq) return;
    dlq.messages.push({ ...m, receiveCount: 0, visibleAt: this.#ctx.now(), receiptHandle: undefined, firstReceivedAt: undefined });
  }

  #delete(q: Queue, handle: string): void {
    const decoded = Buffer.from(handle, "base64").toString("utf8").split("|");
    if (decoded.length !== 3 || decoded[0] !== q.name) {
      throw queueError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
        "ReceiptHandleIsInvalid",
      );
    }
    // Deleting with an outdated handle of a message still present succeeds, as on AWS.
    q.messages = q.messages.filter((m) => m.messageId !== decoded[1]);
  }
}
