import { RemoteCallError } from "@afsync/core";
import { SendMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SyncMessage } from "./SyncMessage.ts";
import { type SyncQueue, toFifoEntry } from "./SyncQueue.ts";

// SendMessageBatch takes at most 10 entries per call.
const SQS_BATCH = 10;

/** The FIFO queue over the official SQS client (SendMessageBatch, explicit dedup ids). */
export class SqsSyncQueue implements SyncQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += SQS_BATCH) {
      const chunk = messages.slice(start, start + SQS_BATCH);
      const entries = chunk.map((message, index) => {
        const entry = toFifoEntry(message);
        return {
          Id: String(index),
          MessageBody: entry.body,
          MessageGroupId: entry.groupId,
          MessageDeduplicationId: entry.deduplicationId,
        };
      });
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
        const detail = failed.map((f) => `${chunk[Number(f.Id)]?.deployment ?? f.Id}: ${f.Code ?? "?"} ${f.Message ?? ""}`.trim());
        throw new RemoteCallError(`SQS rejected ${failed.length} of ${entries.length} messages: ${detail.join("; ")}`, {
          errorClass: "transient",
        });
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
