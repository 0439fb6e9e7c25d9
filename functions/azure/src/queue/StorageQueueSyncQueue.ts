import { RemoteCallError } from "@afsync/core";
import { encodeSyncMessage, type SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { QueueClient } from "@azure/storage-queue";

/** One received message, for a worker that polls instead of using the Functions queue trigger. */
export interface ReceivedSyncMessage {
  /** The message as the producer encoded it. */
  readonly body: string;
  /** How often it was handed out, this time included (the Functions host poisons it past maxDequeueCount). */
  readonly dequeueCount: number;
  /** Deletes it: the work is done. */
  complete(): Promise<void>;
  /**
   * Sends a copy and deletes this one: for a message another worker must handle. Handing it back
   * instead (visibility 0) would count a delivery against it each time, and the host poisons a
   * message past maxDequeueCount although it never failed. A crash in between leaves a duplicate,
   * which is harmless (the worker re-reads every source).
   */
  requeue(): Promise<void>;
}

// A queue message is at most 64 KiB; base64 turns 3 bytes into 4.
const MAX_ENCODED_BYTES = 64 * 1024;

/**
 * The sync queue over Azure Storage Queues (`@azure/storage-queue`). Unlike SQS FIFO there are no
 * message groups and no deduplication: a Deployment is never applied by two workers at once
 * because the worker holds that Deployment's blob lease (DeploymentLease), and a duplicate is
 * harmless because the worker re-reads every source. Bodies are base64, the Functions queue
 * trigger's default `messageEncoding`. The body is the runtime's SyncMessage, as on every cloud.
 */
export class StorageQueueSyncQueue implements SyncQueue {
  readonly #queue: QueueClient;

  constructor(queue: QueueClient) {
    this.#queue = queue;
  }

  get queueName(): string {
    return this.#queue.name;
  }

  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    // Encode everything first: a message too large must not leave the others half sent.
    const bodies = messages.map((message) => {
      const body = Buffer.from(encodeSyncMessage(message), "utf8").toString("base64");
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
      requeue: async () => {
        await this.#queue.sendMessage(item.messageText);
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
