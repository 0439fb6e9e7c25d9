import { CONNECTION_FIELDS } from "./connectionFields.ts";
import type { DeploymentTruth } from "./DeploymentTruth.ts";

/**
 * A target as the storm's own reader saw it: connection id → the stored fields (Airflow's names),
 * variable → value, and what the reader could not make sense of (a duplicate object, a line that
 * does not parse). Each storm builds one per Deployment from the emulator or the file.
 */
export interface TargetView {
  readonly connections: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly variables: ReadonlyMap<string, string>;
  readonly problems: readonly string[];
}

/** The storms' keys all start so; anything else in a target is not theirs to judge. */
export const STORM_KEY = /^storm/i;

/** Every difference between the truth and a target, by key and field (values never named). */
export function compareDeployment(name: string, truth: DeploymentTruth, view: TargetView): string[] {
  const out = view.problems.map((p) => `${name} ${p}`);
  for (const [id, want] of truth.connections) {
    const got = view.connections.get(id);
    if (got === undefined) out.push(`${name} connection ${id}: missing`);
    else for (const field of CONNECTION_FIELDS) if (got[field] !== want[field]) out.push(`${name} connection ${id}: ${field} differs`);
  }
  for (const id of view.connections.keys())
    if (STORM_KEY.test(id) && !truth.connections.has(id)) out.push(`${name} connection ${id}: should be deleted`);
  for (const [key, want] of truth.variables) if (view.variables.get(key) !== want) out.push(`${name} variable ${key}: missing or differs`);
  for (const key of view.variables.keys())
    if (STORM_KEY.test(key) && !truth.variables.has(key)) out.push(`${name} variable ${key}: should be deleted`);
  return out;
}
