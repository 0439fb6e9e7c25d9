import type { Clock, Hasher, Logger } from "@afsync/core";
import type { ReconcileConfig } from "@afsync/core/config/AfsyncConfig";
import type { SyncMessage } from "../edge/SyncMessage.ts";
import type { SyncQueue } from "../edge/SyncQueue.ts";
import { decideFanout, type FanoutDecision } from "./decideFanout.ts";
import type { FanoutLedger, FanoutRecord } from "./FanoutLedger.ts";
import { type FingerprintBinding, snapshotFingerprints } from "./snapshotFingerprints.ts";

/** What a cloud's scheduled reconcile function hands the fan-out. */
export interface ReconcileFanoutDeps {
  readonly bindings: readonly FingerprintBinding[];
  readonly queue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  /** `reconcile:` in afsync.yaml. */
  readonly settings: ReconcileConfig;
  /** The keyed hasher and the ledger; without them every Deployment is enqueued, as `fanout: all` does. */
  readonly fanout?: { readonly hasher: Hasher; readonly ledger: FanoutLedger };
}

export interface ReconcileFanout {
  readonly enqueued: readonly string[];
  readonly skipped: readonly string[];
  /** Per Deployment, why it was enqueued or not (`unchanged`). */
  readonly decisions: readonly FanoutDecision[];
  /** Calls made to the sources through their port (0 under `fanout: all`). */
  readonly sourceCalls: number;
}

/**
 * The scheduled reconciliation, every cloud: lists each source once, fingerprints what each
 * Deployment would see, and enqueues a `full` message only for the Deployments `decideFanout`
 * picks. A no-op firing over ten Deployments on one listable source is one listing and no message.
 *
 * Order matters for "nothing lost": the pending records are written BEFORE the messages are
 * sent, so a worker that confirms fast cannot have its confirmation overwritten by this
 * function's pending record; and a send that fails leaves pending records, which the next firing
 * enqueues again. A ledger that cannot be read makes every Deployment due (never fewer runs).
 */
export async function fanOutReconcile(deps: ReconcileFanoutDeps, firing: string): Promise<ReconcileFanout> {
  const origin = `schedule:${firing}`;
  const ids = deps.bindings.map((b) => b.id);
  if (deps.settings.fanout === "all" || deps.fanout === undefined) {
    const messages = ids.map((deployment): SyncMessage => ({ v: 1, deployment, trigger: { kind: "full" }, origin }));
    await deps.queue.enqueue(messages);
    deps.logger.log("info", "reconciliation enqueued", { firing, fanout: "all", deployments: ids });
    return { enqueued: ids, skipped: [], decisions: ids.map((deployment) => ({ deployment, reason: "fanout-all" })), sourceCalls: 0 };
  }
  const { hasher, ledger } = deps.fanout;
  const now = deps.clock.now();
  const [snapshot, records] = await Promise.all([snapshotFingerprints(deps.bindings, hasher), readLedger(ledger, ids, deps.logger)]);
  const decisions = ids.map((id) =>
    decideFanout(id, snapshot.byDeployment.get(id) ?? { ok: false, reason: "not fingerprinted" }, records.get(id), deps.settings, now),
  );
  const due = decisions.filter((d) => d.reason !== "unchanged");
  const at = now.toISOString();
  await Promise.all(
    due.map(async (d) => {
      if (d.fingerprint === undefined) return;
      try {
        await ledger.write(d.deployment, { fingerprint: d.fingerprint, at, confirmed: false });
      } catch (error) {
        // The message still goes out; without its pending record the next firing enqueues it again.
        deps.logger.log("warn", "fan-out record not written", { deployment: d.deployment, error });
      }
    }),
  );
  const messages = due.map(
    (d): SyncMessage => ({
      v: 1,
      deployment: d.deployment,
      trigger: { kind: "full" },
      origin,
      ...(d.fingerprint === undefined ? {} : { fanout: { fingerprint: d.fingerprint, at } }),
    }),
  );
  if (messages.length > 0) await deps.queue.enqueue(messages);
  const unknown = [...snapshot.byDeployment].flatMap(([deployment, f]) => (f.ok ? [] : [{ deployment, reason: f.reason }]));
  if (unknown.length > 0) deps.logger.log("warn", "snapshot unknown: Deployments enqueued without a fingerprint", { firing, unknown });
  deps.logger.log("info", "reconciliation enqueued", {
    firing,
    fanout: "changed",
    deployments: due.map((d) => d.deployment),
    reasons: Object.fromEntries(due.map((d) => [d.deployment, d.reason])),
    unchanged: decisions.length - due.length,
    sourceCalls: snapshot.sourceCalls,
  });
  return {
    enqueued: due.map((d) => d.deployment),
    skipped: decisions.filter((d) => d.reason === "unchanged").map((d) => d.deployment),
    decisions,
    sourceCalls: snapshot.sourceCalls,
  };
}

async function readLedger(ledger: FanoutLedger, ids: readonly string[], logger: Logger): Promise<ReadonlyMap<string, FanoutRecord>> {
  try {
    return await ledger.read(ids);
  } catch (error) {
    logger.log("warn", "fan-out ledger unreadable: every Deployment is enqueued", { error });
    return new Map();
  }
}
