import type { KeyString, StateRecord } from "@afsync/core";
import { keyString } from "@afsync/core";
import type { ApplyItemResult, ApplyRequest } from "@afsync/core/ports/DeploymentTarget";

/**
 * The manifest that matches what really happened: the engine's intended records, except that
 * a key whose write failed keeps the record it had before (or none), and a key whose delete
 * failed stays owned.
 */
export function settleManifest(
  request: ApplyRequest,
  previous: readonly StateRecord[] | null,
  results: ReadonlyMap<KeyString, ApplyItemResult>,
): StateRecord[] {
  const before = new Map((previous ?? []).map((r) => [r.key, r]));
  const failed = (key: KeyString) => results.get(key)?.ok === false;
  const out = new Map<KeyString, StateRecord>();
  for (const r of request.manifest) {
    if (!failed(r.key)) out.set(r.key, r);
    else {
      const old = before.get(r.key);
      if (old !== undefined) out.set(r.key, old);
    }
  }
  for (const key of request.deletes.map(keyString)) {
    const old = before.get(key);
    if (failed(key) && old !== undefined) out.set(key, old);
  }
  return [...out.values()];
}

/** Values landed but ownership was not recorded: every changed key is reported, so the next run is not trusted blindly. */
export function failManifest(results: Map<KeyString, ApplyItemResult>, request: ApplyRequest, error: string): void {
  for (const key of [...request.upserts.map((u) => keyString(u.key)), ...request.deletes.map(keyString)]) {
    if (results.get(key)?.ok === true)
      results.set(key, { key, ok: false, error: `written, but afsync's manifest could not be saved: ${error}` });
  }
}
