import { RemoteCallError } from "@afsync/core";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { type FifoEntry, type SyncQueue, toFifoEntry } from "@afsync/runtime/edge/SyncQueue";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";

// SendMessageBatch takes at most 10 entries and 256 KB of bodies per call; stay well below.
const SQS_BATCH = 10;
const SQS_BATCH_BYTES = 200 * 1024;

/**
 * A queue over the official SQS client (SendMessageBatch). `fifo` (the sync queue): one group per
 * Deployment and explicit dedup ids. `standard` (the hint queue the coalesce function drains with
 * a batching window): neither, since a standard queue refuses both.
 */
export class SqsSyncQueue implements SyncQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #kind: "fifo" | "standard";

  constructor(client: SQSClient, queueUrl: string, kind: "fifo" | "standard" = "fifo") {
    this.#client = client;
    this.#queueUrl = queueUrl;
    this.#kind = kind;
  }

  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    for (const chunk of chunks(messages)) {
      const entries = chunk.map(({ entry }, index) => ({
        Id: String(index),
        MessageBody: entry.body,
        ...(this.#kind === "fifo" ? { MessageGroupId: entry.groupId, MessageDeduplicationId: entry.deduplicationId } : {}),
      }));
      let failed: { Id?: string | undefined; Code?: string | undefined; Message?: string | undefined }[];
      try {
        const out = await this.#client.send(new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: entries }));
        failed = out.Failed ?? [];
      } catch (error) {
        throw new RemoteCallError(`SQS SendMessageBatch to ${this.#queueUrl} failed: ${describe(error)}`, {
          cause: error,
          errorClass: "transient",
        });
      }
      if (failed.length > 0) {
        // Bodies hold no secret values, but the message is enough to find the entry.
        const detail = failed.map((f) => `${chunk[Number(f.Id)]?.message.deployment ?? f.Id}: ${f.Code ?? "?"} ${f.Message ?? ""}`.trim());
        throw new RemoteCallError(`SQS rejected ${failed.length} of ${entries.length} messages: ${detail.join("; ")}`, {
          errorClass: "transient",
        });
      }
    }
  }
}

/** Batches of at most 10 entries and SQS_BATCH_BYTES of bodies, in order. */
function chunks(messages: readonly SyncMessage[]): { message: SyncMessage; entry: FifoEntry }[][] {
  const out: { message: SyncMessage; entry: FifoEntry }[][] = [];
  let current: { message: SyncMessage; entry: FifoEntry }[] = [];
  let bytes = 0;
  for (const message of messages) {
    const entry = toFifoEntry(message);
    const size = Buffer.byteLength(entry.body);
    if (current.length === SQS_BATCH || (current.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push({ message, entry });
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
