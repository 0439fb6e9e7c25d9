import type { KeyString } from "../model/AirflowKey.ts";

/** The keys one Deployment of a run would write (or keep, or delete) in the store its target writes. */
export interface DeploymentClaim {
  readonly deploymentId: string;
  /** `DeploymentTarget.claimScope`: equal for two targets exactly when they write the same keys. */
  readonly scope: string;
  /** How the target is shown in reports (`DeploymentTarget.describe`). */
  readonly target: string;
  readonly keys: ReadonlySet<KeyString>;
}

const KEYS_NAMED = 5;

/**
 * Deployments of one run that claim the same key of the same target (two Deployments on one
 * Airflow URL, or one Astro Deployment id, whose include/exclude globs both select a key a source
 * holds): each sync would undo the other's, and the winner would depend on the order of the
 * config. Returns, per Deployment involved, the error that fails it before anything is written,
 * naming both claimants and the keys (never a value).
 */
export function overlappingClaims(claims: readonly DeploymentClaim[]): Map<string, string> {
  const errors = new Map<string, string[]>();
  const add = (id: string, message: string) => errors.set(id, [...(errors.get(id) ?? []), message]);
  for (const [i, a] of claims.entries()) {
    for (const b of claims.slice(i + 1)) {
      if (a.scope !== b.scope || a.deploymentId === b.deploymentId) continue;
      const shared = [...a.keys].filter((k) => b.keys.has(k)).sort();
      if (shared.length === 0) continue;
      const named = shared.slice(0, KEYS_NAMED).join(", ") + (shared.length > KEYS_NAMED ? ` and ${shared.length - KEYS_NAMED} more` : "");
      const message =
        `overlapping claim: Deployment ${a.deploymentId} and Deployment ${b.deploymentId} would both write ${named} of ${a.target}; ` +
        "nothing was written to either. Narrow their include/exclude globs so that one Deployment owns each key";
      add(a.deploymentId, message);
      add(b.deploymentId, message);
    }
  }
  return new Map([...errors].map(([id, messages]) => [id, messages.join("; ")]));
}
