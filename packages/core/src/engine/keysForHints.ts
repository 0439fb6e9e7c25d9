import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { ChangeHint } from "../model/ChangeHint.ts";
import { isResolvedHint, type ResolvedHint } from "../model/ResolvedHint.ts";
import type { SecretSource } from "../ports/SecretSource.ts";

/**
 * The hints of a run that can change a value of one of `sources`: upserts and deletes resolved
 * to a source in the list. `notice` and `ignore` hints change no value and name no key. The
 * hints are already resolved (`resolveHints`, once per run), so nothing is re-mapped here.
 */
function actionable(hints: readonly ChangeHint[], sources: readonly SecretSource[]): ResolvedHint[] {
  const ids = new Set(sources.map((s) => s.id));
  return hints.filter(
    (h): h is ResolvedHint => (h.action === "upsert" || h.action === "delete") && isResolvedHint(h) && ids.has(h.sourceId),
  );
}

/** The Airflow keys a batch of resolved hints touches among the given sources; a burst for one secret is one key. */
export function keysForHints(hints: readonly ChangeHint[], sources: readonly SecretSource[]): AirflowKey[] {
  const keys = new Map<KeyString, AirflowKey>();
  for (const hint of actionable(hints, sources)) for (const key of hint.keys) keys.set(keyString(key), key);
  return [...keys.values()];
}

/**
 * The version each key should be read at, for one source: the version its event named (AWS
 * `VersionId`), so the read is exactly the value the event announced. A key that a burst names
 * at two different versions is left out (read the current value), since delivery order says
 * nothing about which version is newer; the engine's version check still refuses older values.
 */
export function pinnedVersionsForHints(hints: readonly ChangeHint[], source: SecretSource): Map<KeyString, string> {
  const pinned = new Map<KeyString, string>();
  const conflicting = new Set<KeyString>();
  for (const hint of actionable(hints, [source])) {
    if (hint.action !== "upsert" || hint.version === undefined) continue;
    for (const key of hint.keys) {
      const k = keyString(key);
      const seen = pinned.get(k);
      if (seen !== undefined && seen !== hint.version) conflicting.add(k);
      else pinned.set(k, hint.version);
    }
  }
  for (const k of conflicting) pinned.delete(k);
  return pinned;
}
