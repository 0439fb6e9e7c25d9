import type { components } from "./generated/astroPlatformV1beta1.ts";

/** A variable as GetDeployment returns it (v1 and v1beta1 agree on these fields). */
type EnvVar = Pick<components["schemas"]["DeploymentEnvironmentVariable"], "key" | "value" | "isSecret">;
type EnvVarRequest = components["schemas"]["DeploymentEnvironmentVariableRequest"];

export interface EnvVarChanges {
  /** Variable name → new value; afsync writes these as secrets. */
  readonly upserts: ReadonlyMap<string, string>;
  /** Variable names to remove. */
  readonly deletes: ReadonlySet<string>;
  /** afsync's manifest, written as a visible (non-secret) variable in the same update; null removes it (nothing owned). */
  readonly manifest: { readonly name: string; readonly value: string | null };
}

export interface MergedEnvironmentVariables {
  readonly variables: EnvVarRequest[];
  /** False when sending `variables` would change nothing, so no update (and no restart) is needed. */
  readonly changed: boolean;
}

/**
 * The full list to send to UpdateDeployment, built from the list just read. Only afsync's
 * variables change; every other one is sent back exactly as read, and a secret one without its
 * value: Astro never returns secret values, and keeps a secret's stored value when the request
 * omits `value` (astro-cli relies on this in `deployment_variable.go`). Sending a placeholder
 * instead would overwrite the real secret with it. Order is kept; new variables go at the end.
 */
export function mergeEnvironmentVariables(current: readonly EnvVar[], changes: EnvVarChanges): MergedEnvironmentVariables {
  const out: EnvVarRequest[] = [];
  const written = new Set<string>();
  let changed = false;
  for (const v of current) {
    if (changes.deletes.has(v.key) && !changes.upserts.has(v.key)) {
      changed = true;
      continue;
    }
    const upsert = changes.upserts.get(v.key);
    if (upsert !== undefined) {
      out.push({ key: v.key, value: upsert, isSecret: true });
      written.add(v.key);
      changed = true;
      continue;
    }
    if (v.key === changes.manifest.name) {
      if (changes.manifest.value === null) {
        changed = true;
        continue;
      }
      out.push({ key: v.key, value: changes.manifest.value, isSecret: false });
      written.add(v.key);
      if (v.isSecret || v.value !== changes.manifest.value) changed = true;
      continue;
    }
    out.push(
      v.isSecret || v.value === undefined ? { key: v.key, isSecret: v.isSecret } : { key: v.key, value: v.value, isSecret: v.isSecret },
    );
  }
  for (const [key, value] of changes.upserts) {
    if (written.has(key)) continue;
    out.push({ key, value, isSecret: true });
    written.add(key);
    changed = true;
  }
  if (changes.manifest.value !== null && !written.has(changes.manifest.name)) {
    out.push({ key: changes.manifest.name, value: changes.manifest.value, isSecret: false });
    changed = true;
  }
  return { variables: out, changed };
}
