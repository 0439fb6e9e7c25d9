import type { KeyString } from "./AirflowKey.ts";

/**
 * One change afsync applied to one key of one Deployment, kept for `afsync history` and
 * `afsync rollback`: where the value came from (source, secret id, version) and its keyed hash,
 * never the value. A delete carries no source and no hash.
 */
export interface HistoryEntry {
  readonly deploymentId: string;
  readonly key: KeyString;
  readonly action: "create" | "update" | "delete";
  /** The precedence layer written (`DeploymentTarget.layer`). */
  readonly layer: string;
  readonly sourceId?: string;
  readonly secretId?: string;
  readonly version?: string;
  readonly hash?: string;
  /** `reconciliation` (a full run), `event` (a run over hinted keys) or `rollback` (`afsync rollback`). */
  readonly trigger: HistoryTrigger;
  /** ISO-8601 time of the write, from the Clock port. */
  readonly appliedAt: string;
}

export type HistoryTrigger = "reconciliation" | "event" | "rollback";

export interface HistoryQuery {
  readonly deploymentIds?: readonly string[];
  readonly key?: KeyString;
}
