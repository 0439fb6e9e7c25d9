import type { KeyString } from "../model/AirflowKey.ts";

/**
 * What the planner decided for one key of one Deployment.
 *
 * - `create` / `update` / `delete`: afsync writes (or, in a plan, would write) the target.
 * - `unchanged`: the target already holds, by hash, what the winning source holds.
 * - `conflict`: the target holds a key afsync does not own; left untouched (see `adopt`).
 * - `orphaned`: afsync owns the key but every source lost it and `deletion` is `retain`.
 * - `invalid`: the winning value does not parse (or could not be read); nothing is pushed.
 * - `shadowed`: a layer above the target (the Deployment's secrets backend) holds the key too,
 *   so Airflow reads that copy; the target is still kept in step (`write` says how).
 */
export type PlanAction = "create" | "update" | "delete" | "unchanged" | "conflict" | "orphaned" | "invalid" | "shadowed";

/** One changed field, masked: secrets are `***`, variables show hash prefixes only. */
export interface FieldDiff {
  readonly field: string;
  /** Absent when the field was not set; `?` when the target cannot show its current value. */
  readonly before?: string;
  readonly after?: string;
}

/** Another source (lower in the list) or layer that also holds the key. */
export interface ShadowedCandidate {
  readonly source: string;
  /** Whether its value is the winner's, by keyed hash. */
  readonly same: boolean;
}

export interface PlannedChange {
  readonly key: KeyString;
  readonly action: PlanAction;
  /** Id of the source whose value wins; null when no source holds the key. */
  readonly source: string | null;
  /** Why, for every action but plain creates/updates; never contains a value. */
  readonly reason?: string;
  readonly diff?: readonly FieldDiff[];
  /** For `shadowed`: the write still made to the target, if any. */
  readonly write?: "create" | "update";
  /** Lower-precedence sources that hold the key too. */
  readonly shadowedSources?: readonly ShadowedCandidate[];
  /** Prefix of the keyed hash of the winning value. */
  readonly hash?: string;
  readonly version?: string;
  /** For a `conflict` between keys that become one name in the target: the other keys. Fails the run. */
  readonly collidesWith?: readonly KeyString[];
  /** Set after a sync when the target refused this key. */
  readonly error?: string;
}

export interface DeploymentReport {
  readonly id: string;
  /** `<type> <describe>`, e.g. `env-file astro-project/.env`. */
  readonly target: string;
  readonly status: "ok" | "failed";
  readonly error?: string;
  readonly changes: readonly PlannedChange[];
  /** Calls made to the target's write API in this run (0 for a plan). */
  readonly writes: number;
}

export type ActionCounts = Readonly<Record<PlanAction, number>>;

export interface RunSummary extends ActionCounts {
  readonly deployments: number;
  readonly failed: number;
  /** Target write calls over all Deployments. */
  readonly writes: number;
  /** Source read calls over the run (batched reads count once per batch). */
  readonly reads: number;
}

export interface RunReport {
  readonly mode: "plan" | "sync";
  readonly deployments: readonly DeploymentReport[];
  readonly summary: RunSummary;
}

export function emptyCounts(): Record<PlanAction, number> {
  return { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, orphaned: 0, invalid: 0, shadowed: 0 };
}

/**
 * True when the run should exit non-zero: a Deployment failed, a value or key was invalid, a
 * write failed, or keys collided on one name in a target.
 */
export function runHasFailures(report: RunReport): boolean {
  return (
    report.summary.failed > 0 ||
    report.summary.invalid > 0 ||
    report.deployments.some((d) => d.changes.some((c) => c.error !== undefined || c.collidesWith !== undefined))
  );
}
