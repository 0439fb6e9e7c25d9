import type { EventCoverage } from "@afsync/core/engine/eventCoverage";
import type { PlanAction } from "@afsync/core/engine/RunReport";
import type { TimeToEffective } from "@afsync/core/engine/timeToEffective";
import type { PrecedenceLayer } from "@afsync/core/ports/DeploymentTarget";

/**
 * What the operator's dashboard shows, as data: the serve page, `afsync report --html` and
 * `--json` all render this one shape. It is built from plan/run reports (actions, source ids,
 * version ids, keyed-hash prefixes and reasons), so it holds no value, not even a masked one.
 */
export interface DashboardView {
  readonly title: string;
  /** `live` (served, updates itself) or `static` (a report file). */
  readonly mode: "live" | "static";
  readonly generatedAt: string;
  readonly configPath: string;
  /** Serve's change counter; the page polls it to know when to refresh. 0 for a report. */
  readonly revision: number;
  /** What the view says in one line: serve's uptime and runs, or the report's plan. */
  readonly summary: readonly string[];
  readonly keys: readonly string[];
  readonly deployments: readonly DashboardDeployment[];
  readonly cells: readonly DashboardCell[];
  readonly coverage: readonly EventCoverage[];
  readonly problems: readonly DashboardProblem[];
  readonly eventFeeds: readonly { readonly source: string; readonly state: string; readonly detail: string; readonly since: string }[];
  readonly runs: readonly {
    readonly id: number;
    readonly startedAt: string;
    readonly trigger: string;
    readonly durationMs: number;
    readonly outcome: string;
  }[];
}

export interface DashboardDeployment {
  readonly id: string;
  readonly target: string;
  /** The layer afsync writes into; unknown only for a Deployment serve was never told about. */
  readonly layer?: PrecedenceLayer;
  readonly sources: readonly string[];
  readonly secretsBackend?: string;
  readonly status: "ok" | "failed" | "pending";
  readonly error?: string;
  readonly lastRunAt?: string;
  readonly timeToEffective: readonly TimeToEffective[];
}

export interface DashboardCell {
  readonly deployment: string;
  readonly key: string;
  readonly action: PlanAction;
  /** For a shadowed key: the write still made to the target. */
  readonly write?: "create" | "update";
  /** The layer Airflow reads the key from: the secrets backend when it shadows the target. */
  readonly layer?: PrecedenceLayer;
  readonly source: string | null;
  readonly version?: string;
  /** The version in human form: `file saved 2026-11-30 20:14:01 UTC`, `version 7`. */
  readonly versionText?: string;
  readonly hash?: string;
  /** Other sources or layers that hold the key too, and whether theirs is the winner's value (keyed hash). */
  readonly shadowed: readonly { readonly source: string; readonly same: boolean }[];
  readonly seenAt?: string;
  readonly appliedAt?: string;
  readonly lagMs?: number;
  readonly problem?: DashboardProblem;
}

export interface DashboardProblem {
  readonly deployment?: string;
  readonly key?: string;
  /** What is wrong, in words; never a value. */
  readonly message: string;
  /** What to do about it, in words. */
  readonly remedy: string;
}
