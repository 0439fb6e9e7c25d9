import type { ReconcileConfig } from "@afsync/core/config/AfsyncConfig";
import type { FanoutRecord } from "./FanoutLedger.ts";
import type { Fingerprint } from "./snapshotFingerprints.ts";

/** Why a Deployment is enqueued by a reconciliation, or that it is not. */
export type FanoutReason =
  | "fanout-all" // reconcile.fanout: all
  | "never-fanned-out" // no record (first firing, new Deployment, unreadable record)
  | "unconfirmed" // the last fan-out was not confirmed by a successful worker run
  | "changed" // the snapshot fingerprint differs from the one last fanned out
  | "full-every" // the last fan-out is older than reconcile.full_every: drift inside a target is only found by reading it
  | "unknown-snapshot" // a source could not be listed
  | "unchanged";

export interface FanoutDecision {
  readonly deployment: string;
  readonly reason: FanoutReason;
  /** Set when the fingerprint is known: carried by the message and recorded. */
  readonly fingerprint?: string;
}

/**
 * The fan-out rule, pure: a Deployment is skipped only when its snapshot fingerprint is the one
 * last fanned out to it, a worker confirmed that fan-out, and it is not due its full pass.
 * Everything else errs on the side of enqueueing (nothing lost; a needless run is a no-op plan).
 */
export function decideFanout(
  deployment: string,
  fingerprint: Fingerprint,
  record: FanoutRecord | undefined,
  settings: ReconcileConfig,
  now: Date,
): FanoutDecision {
  if (!fingerprint.ok) return { deployment, reason: "unknown-snapshot" };
  const known = { deployment, fingerprint: fingerprint.fingerprint };
  if (settings.fanout === "all") return { ...known, reason: "fanout-all" };
  if (record === undefined) return { ...known, reason: "never-fanned-out" };
  if (record.fingerprint !== fingerprint.fingerprint) return { ...known, reason: "changed" };
  if (!record.confirmed) return { ...known, reason: "unconfirmed" };
  // A record dated in the future (a skewed clock) counts as due rather than postponing forever.
  const age = now.getTime() - Date.parse(record.at);
  if (!(age >= 0 && age < settings.fullEveryMs)) return { ...known, reason: "full-every" };
  return { ...known, reason: "unchanged" };
}
