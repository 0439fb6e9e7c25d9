import { createHash, randomUUID } from "node:crypto";
import { AwsServiceError, optionalNumber, optionalObject, optionalString, requireString } from "./AwsServiceError.ts";

type Json = Record<string, unknown>;

export interface StoredMessage {
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

export interface QueueSettings {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly contentBasedDedup: boolean;
  /** Seconds a received message stays invisible. */
  readonly visibilityTimeout: number;
  readonly redrive?: { readonly deadLetterTargetArn: string; readonly maxReceiveCount: number };
  readonly attributes: Record<string, string>;
}

const DEDUP_WINDOW_MS = 5 * 60_000;

export function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

/** An SQS error in the JSON protocol's shape, with the legacy query code SQS also sends. */
export function queueError(type: string, message: string, legacy: string): AwsServiceError {
  return new AwsServiceError(`com.amazonaws.sqs#${type}`, message, 400, `${legacy};Sender`);
}

/**
 * One queue's messages and rules. FIFO: a group with a message in flight delivers nothing else
 * (that is what keeps a group in order), and a MessageDeduplicationId (or the body's SHA-256
 * with content-based dedup) seen in the last 5 minutes is accepted but not enqueued.
 */
export class SqsQueue {
  readonly settings: QueueSettings;
  #messages: StoredMessage[] = [];
  readonly #dedup = new Map<string, { messageId: string; sequenceNumber: string; expires: number }>();
  #sequence = 10000000000000000000n;

  constructor(settings: QueueSettings) {
    this.settings = settings;
  }

  depth(now: number): { visible: number; inFlight: number } {
    const inFlight = this.#messages.filter((m) => m.visibleAt > now && m.receiveCount > 0).length;
    return { visible: this.#messages.length - inFlight, inFlight };
  }

  send(entry: Json, now: number): Json {
    const body = requireString(entry, "MessageBody");
    const groupId = optionalString(entry, "MessageGroupId");
    let dedupId = optionalString(entry, "MessageDeduplicationId");
    if (this.settings.fifo) {
      if (groupId === undefined)
        throw queueError("MissingParameter", "The request must contain the parameter MessageGroupId.", "MissingParameter");
      if (dedupId === undefined && this.settings.contentBasedDedup) dedupId = createHash("sha256").update(body).digest("hex");
      if (dedupId === undefined) {
        throw queueError(
          "InvalidParameterValue",
          "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly",
          "InvalidParameterValue",
        );
      }
      const seen = this.#dedup.get(dedupId);
      // A duplicate inside the interval is answered like the original, but not enqueued.
      if (seen && seen.expires > now)
        return { MessageId: seen.messageId, MD5OfMessageBody: md5(body), SequenceNumber: seen.sequenceNumber };
    }
    // Per-message delays exist on standard queues only.
    const delay = this.settings.fifo ? 0 : (optionalNumber(entry, "DelaySeconds") ?? 0);
    const messageId = randomUUID();
    this.#sequence += 1n;
    const sequenceNumber = this.settings.fifo ? this.#sequence.toString() : undefined;
    const attrs = optionalObject(entry, "MessageAttributes");
    this.#messages.push({
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
    });
    if (dedupId !== undefined && sequenceNumber !== undefined)
      this.#dedup.set(dedupId, { messageId, sequenceNumber, expires: now + DEDUP_WINDOW_MS });
    return { MessageId: messageId, MD5OfMessageBody: md5(body), ...(sequenceNumber ? { SequenceNumber: sequenceNumber } : {}) };
  }

  hasDeliverable(now: number): boolean {
    return this.#deliverable(now).length > 0;
  }

  /**
   * Hands out up to `max` messages. One already received maxReceiveCount times goes to the
   * dead-letter queue (`deadLetter`) instead, as the redrive policy says.
   */
  receive(max: number, visibility: number, now: number, deadLetter: (arn: string) => SqsQueue | undefined): Json[] {
    const out: Json[] = [];
    for (const m of this.#deliverable(now)) {
      if (out.length >= max) break;
      const redrive = this.settings.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        this.#messages = this.#messages.filter((x) => x !== m);
        // A redrive target that does not exist loses the message, as when a DLQ is deleted on AWS.
        deadLetter(redrive.deadLetterTargetArn)?.accept(m, now);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibility * 1000;
      m.receiptHandle = Buffer.from(`${this.settings.name}|${m.messageId}|${randomUUID()}`).toString("base64");
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
    return out;
  }

  delete(handle: string): void {
    const decoded = Buffer.from(handle, "base64").toString("utf8").split("|");
    if (decoded.length !== 3 || decoded[0] !== this.settings.name) {
      throw queueError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
        "ReceiptHandleIsInvalid",
      );
    }
    // Deleting with an outdated handle of a message still present succeeds, as on AWS.
    this.#messages = this.#messages.filter((m) => m.messageId !== decoded[1]);
  }

  /** Takes a message redriven from another queue: fresh receive count, visible at once. */
  accept(m: StoredMessage, now: number): void {
    this.#messages.push({ ...m, receiveCount: 0, visibleAt: now, receiptHandle: undefined, firstReceivedAt: undefined });
  }

  /** Messages that may be handed out now, in order; a FIFO group with a message in flight is blocked. */
  #deliverable(now: number): StoredMessage[] {
    if (!this.settings.fifo) return this.#messages.filter((m) => m.visibleAt <= now);
    const blocked = new Set<string>();
    const out: StoredMessage[] = [];
    for (const m of this.#messages) {
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
}
