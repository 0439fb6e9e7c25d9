import type { KeyString } from "../model/AirflowKey.ts";
import type { PrecedenceLayer } from "../ports/DeploymentTarget.ts";
import type { PlanAction } from "./RunReport.ts";
import type { TimeToEffective } from "./timeToEffective.ts";

/**
 * A value as explain shows it: a masked connection (`***` for secrets) or, for a variable, only
 * its hash prefix — unless the user asked for `--show-secrets`.
 */
export type ShownValue =
  | { readonly kind: "connection"; readonly fields: Readonly<Record<string, unknown>> }
  | { readonly kind: "variable"; readonly value: string };

/** One place that holds (or was asked for) the key. */
export interface ExplainCandidate {
  /** Source id, or the target's type for the target layer. */
  readonly source: string;
  readonly layer: PrecedenceLayer | "source";
  /** 1-based position among the Deployment's sources (first wins); absent for layers. */
  readonly rank?: number;
  readonly status: "found" | "invalid" | "missing" | "error" | "present" | "unreadable";
  readonly secretId?: string;
  readonly hash?: string;
  readonly version?: string;
  readonly value?: ShownValue;
  readonly reason?: string;
  /** Whether it holds the winning value, by keyed hash (absent when unknown). */
  readonly sameAsWinner?: boolean;
}

export interface ExplainDeployment {
  readonly id: string;
  readonly target: string;
  /** Every source of the Deployment, in precedence order. */
  readonly sources: readonly ExplainCandidate[];
  /** Layers the Deployment reads above the target (`observe.secrets_backend`). */
  readonly above: readonly ExplainCandidate[];
  /** The target layer as it is now: presence, and a hash when it returns values. */
  readonly targetLayer: ExplainCandidate;
  readonly winner: { readonly source: string; readonly hash: string; readonly version?: string } | null;
  /** Why the winner wins (or why nothing does), in words. */
  readonly why: string;
  /** What afsync recorded when it last wrote the key, if it owns it. */
  readonly owned: { readonly source: string; readonly hash: string; readonly version?: string; readonly appliedAt: string } | null;
  /** Whether the key passes the Deployment's include/exclude globs. */
  readonly selected: boolean;
  /** What `sync` would do now. */
  readonly action: PlanAction | null;
  readonly actionReason?: string;
  /** Which layer Airflow will actually read the key from. */
  readonly effective: string;
  /** Per source: what a change costs before a task sees it, with its parts. */
  readonly timeToEffective: readonly TimeToEffective[];
  readonly error?: string;
}

export interface ExplainReport {
  readonly key: KeyString;
  readonly deployments: readonly ExplainDeployment[];
}
