import { RemoteCallError } from "@afsync/core";
import type { QueueClient } from "@azure/storage-queue";

/**
 * What the queue needs to know of a sync message: the Deployment it is for and where it came
 * from (for errors). The runtime's queue message satisfies it; its encoding is passed in, so this
 * adapter stays independent of the message schema.
 */
export interface QueueableMessage {
  readonly deployment: string;
  readonly origin: string;
}

/** The producers' side of the queue (the same shape as the runtime's SyncQueue port). */
export interface SyncQueue<M extends QueueableMessage> {
  /** Sends every message or throws; the caller (an Event Grid delivery, a timer) is then retried. */
  enqueue(messages: readonly M[]): Promise<void>;
}

/** One received message, for a worker that polls instead of using the Functions queue trigger. */
export interface ReceivedSyncMessage {
  /** The message as the producer encoded it. */
  readonly body: string;
  /** How often it was handed out, this time included (the Functions host poisons it past maxDequeueCount). */
  readonly dequeueCount: number;
  /** Deletes it: the work is done. */
  complete(): Promise<void>;
}

// A queue message is at most 64 KiB; base64 turns 3 bytes into 4.
const MAX_ENCODED_BYTES = 64 * 1024;

/**
 * The sync queue over Azure Storage Queues (`@azure/storage-queue`). Unlike SQS FIFO there are no
 * message groups and no deduplication: a Deployment is never applied by two workers at once
 * because the worker holds that Deployment's blob lease (DeploymentLease), and a duplicate is
 * harmless because the worker re-reads every source. Bodies are base64, the Functions queue
 * trigger's default `messageEncoding`.
 */
export class StorageQueueSyncQueue<M extends QueueableMessage> implements SyncQueue<M> {
  readonly #queue: QueueClient;
  readonly #encode: (message: M) => string;

  constructor(queue: QueueClient, encode: (message: M) => string) {
    this.#queue = queue;
    this.#encode = encode;
  }

  async enqueue(messages: readonly M[]): Promise<void> {
    // Encode everything first: a message too large must not leave the others half sent.
    const bodies = messages.map((message) => {
      const body = Buffer.from(this.#encode(message), "utf8").toString("base64");
      if (Buffer.byteLength(body) > MAX_ENCODED_BYTES)
        throw new RemoteCallError(
          `the sync message for Deployment ${message.deployment} (${message.origin}) is ${Buffer.byteLength(body)} bytes in base64, over the queue's 64 KiB`,
          { errorClass: "user" },
        );
      return { message, body };
    });
    for (const { message, body } of bodies) {
      try {
        await this.#queue.sendMessage(body);
      } catch (error) {
        throw new RemoteCallError(
          `sending the sync message for Deployment ${message.deployment} to queue ${this.#queue.name} failed: ${describe(error)}`,
          {
            cause: error,
            errorClass: "transient",
          },
        );
      }
    }
  }

  /** Takes up to `max` messages, hidden from other workers for `visibilitySeconds`. */
  async receive(max: number, visibilitySeconds: number): Promise<ReceivedSyncMessage[]> {
    const out = await this.#queue.receiveMessages({
      numberOfMessages: Math.min(32, Math.max(1, max)),
      visibilityTimeout: visibilitySeconds,
    });
    return out.receivedMessageItems.map((item) => ({
      body: Buffer.from(item.messageText, "base64").toString("utf8"),
      dequeueCount: item.dequeueCount,
      complete: async () => {
        await this.#queue.deleteMessage(item.messageId, item.popReceipt);
      },
    }));
  }
}

// The storage SDK's RestError: code and status only, never a request body.
function describe(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const e = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  const code = typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : "Error";
  return typeof e.statusCode === "number" ? `${code} (HTTP ${e.statusCode})` : code;
}
