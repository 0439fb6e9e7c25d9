import type { Trigger } from "@afsync/core/engine/Trigger";

/**
 * What travels on the FIFO queue: one message per affected Deployment. It names the Deployment
 * and the trigger (hints or a full reconciliation), never a value: the worker re-reads every
 * source, so a message that arrives late or twice is harmless.
 *
 * Versioned (`v`) so a worker deployed before a producer change rejects what it cannot read
 * (reported via `batchItemFailures`, then parked in the DLQ) instead of misreading it.
 *
 * Encoding needs no schema; decoding (`decodeSyncMessage`, a module of its own) does, so the
 * functions that only send (events, webhook, reconcile) never load zod for their messages.
 */
export const SYNC_MESSAGE_VERSION = 1;

export interface SyncMessage {
  readonly v: typeof SYNC_MESSAGE_VERSION;
  readonly deployment: string;
  readonly trigger: Trigger;
  readonly origin: string;
  /**
   * Set by a reconciliation that fanned this Deployment out because its snapshot changed (or was
   * due): the snapshot fingerprint (a keyed hash, never a value) and when. A worker whose run of
   * the message succeeds records it as confirmed in the fan-out ledger; until then the next
   * reconciliation enqueues the Deployment again.
   */
  readonly fanout?: SyncFanout;
}

export interface SyncFanout {
  readonly fingerprint: string;
  readonly at: string;
}

export function encodeSyncMessage(message: SyncMessage): string {
  return JSON.stringify(message);
}
