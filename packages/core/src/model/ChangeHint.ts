import type { AirflowKey } from "./AirflowKey.ts";

/**
 * What an edge adapter makes of a trigger (event, webhook, file change, schedule). A hint never
 * carries a value: the engine always re-reads the source (level-triggered).
 *
 * - `upsert`: something may have changed; re-read and apply.
 * - `delete`: the secret is gone (the engine still re-reads to confirm).
 * - `notice`: worth reporting, no value change (rotation failed, expiry policy fired).
 * - `ignore`: not ours or not a value change; `reason` says why.
 */
export type ChangeAction = "upsert" | "delete" | "notice" | "ignore";

export interface ChangeHint {
  readonly provider: string;
  /** The configured source this hint belongs to, once known. */
  readonly sourceId?: string;
  /** The provider's secret id as the event names it (name, ARN, path). */
  readonly secretId: string;
  readonly version?: string;
  readonly action: ChangeAction;
  readonly reason?: string;
  /** The Airflow keys the secret maps to, once resolved against a source's naming rules. */
  readonly keys?: readonly AirflowKey[];
}
