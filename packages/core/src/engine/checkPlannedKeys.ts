import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import type { DeploymentTarget, KeyProblem, TargetEntry } from "../ports/DeploymentTarget.ts";
import type { Resolution } from "./resolvePrecedence.ts";

/**
 * Asks the target which keys about to be written it cannot hold. The keys already in the target
 * are asked about too, so a new key that would land on an existing one's name is a conflict.
 */
export function checkPlannedKeys(
  target: DeploymentTarget,
  resolutions: readonly Resolution[],
  entries: ReadonlyMap<KeyString, TargetEntry>,
): Map<KeyString, KeyProblem> {
  const planned = new Map<KeyString, AirflowKey>();
  for (const r of resolutions) if (r.outcome.kind === "value" || r.outcome.kind === "applied") planned.set(r.keyString, r.key);
  if (planned.size === 0) return new Map();
  // The planned keys, then the target's others: no copy of the planned map (10,000 keys a Deployment).
  const asked = [...planned.values()];
  for (const [ks, entry] of entries) if (!planned.has(ks)) asked.push(entry.key);
  const problems = new Map<KeyString, KeyProblem>();
  for (const problem of target.checkKeys?.(asked) ?? []) {
    if (planned.has(problem.key)) problems.set(problem.key, problem);
  }
  return problems;
}
