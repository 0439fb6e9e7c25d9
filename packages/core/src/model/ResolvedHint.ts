import type { AirflowKey } from "./AirflowKey.ts";
import type { ChangeHint } from "./ChangeHint.ts";

/**
 * A hint the edge has matched to one configured source and the Airflow keys its secret maps to
 * under that source's naming rules (`resolveHints`). The engine takes it as it is: it reads
 * exactly these keys from exactly this source, pinned to `version` when the hint names one.
 */
export interface ResolvedHint extends ChangeHint {
  readonly sourceId: string;
  readonly keys: readonly AirflowKey[];
}

export function isResolvedHint(hint: ChangeHint): hint is ResolvedHint {
  return hint.sourceId !== undefined && hint.keys !== undefined;
}
