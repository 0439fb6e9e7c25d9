import type { Hasher } from "@afsync/core";
import type { ReconcileConfig } from "@afsync/core/config/AfsyncConfig";
import type { FanoutLedger } from "./FanoutLedger.ts";
import type { FingerprintBinding } from "./snapshotFingerprints.ts";

/** What a cloud's composition root gives its reconcile function beyond the queue, logger and clock. */
export interface ReconcileSetup {
  readonly bindings: readonly FingerprintBinding[];
  readonly settings: ReconcileConfig;
  /** Absent when the cloud has no ledger or no HMAC key here: every Deployment is enqueued. */
  readonly fanout?: { readonly hasher: Hasher; readonly ledger: FanoutLedger };
}

/** The old behaviour, for a composition root that builds no fan-out: every Deployment at every firing. */
export function enqueueEveryDeployment(bindings: readonly { readonly id: string }[]): ReconcileSetup {
  return {
    bindings: bindings.map((b) => ({ id: b.id, sources: [], include: [], exclude: [], configText: "" })),
    settings: { fanout: "all", fullEveryMs: Number.POSITIVE_INFINITY },
  };
}
