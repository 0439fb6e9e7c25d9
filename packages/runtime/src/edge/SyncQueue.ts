import { createHash } from "node:crypto";
import { encodeSyncMessage, type SyncMessage } from "./SyncMessage.ts";

/**
 * The outbound side of the FIFO queue, as the producers (events, webhook, reconcile) see it.
 * A port so handler tests can use the real SQS client against the emulator while unit tests of
 * routing stay in memory.
 */
export interface SyncQueue {
  /** Sends every message or throws; the caller (an async Lambda invoke) is then retried. */
  enqueue(messages: readonly SyncMessage[]): Promise<void>;
}

/** One SQS FIFO entry: the body plus the two ids that give ordering and deduplication. */
export interface FifoEntry {
  readonly body: string;
  /** The Deployment: SQS FIFO delivers one group in order and one batch at a time, so writes to a Deployment never overlap. */
  readonly groupId: string;
  /** Same trigger and Deployment → same id, so SQS drops a redelivered event within its 5-minute window. */
  readonly deduplicationId: string;
}

// SQS allows 1–128 characters of alphanumerics and punctuation in both ids.
const FIFO_ID = /^[A-Za-z0-9!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]{1,128}$/;

export function toFifoEntry(message: SyncMessage): FifoEntry {
  const groupId = FIFO_ID.test(message.deployment) ? message.deployment : `d-${sha256(message.deployment).slice(0, 64)}`;
  // The dedup id covers the origin and the Deployment only, not the body: the same event
  // delivered twice must collapse even if the hints were resolved differently in between.
  const deduplicationId = sha256(`${message.origin}\n${message.deployment}`);
  return { body: encodeSyncMessage(message), groupId, deduplicationId };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
