import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { ChangeHint } from "../model/ChangeHint.ts";
import type { SecretSource } from "../ports/SecretSource.ts";

/**
 * The Airflow keys a batch of hints touches among the given sources. A hint belongs to a source
 * by `sourceId`, or by provider when the edge could not tell; a hint of no source here names no
 * key. A hint that already names its keys is taken as is; otherwise each source it belongs to
 * maps the secret id back with its own naming rules.
 * `notice` and `ignore` hints change no value and name no key. Duplicates collapse, so a burst
 * of events for one secret becomes one key to re-read.
 */
export function keysForHints(hints: readonly ChangeHint[], sources: readonly SecretSource[]): AirflowKey[] {
  const keys = new Map<KeyString, AirflowKey>();
  for (const hint of hints) {
    if (hint.action !== "upsert" && hint.action !== "delete") continue;
    const own = sources.filter((source) => (hint.sourceId !== undefined ? hint.sourceId === source.id : hint.provider === source.provider));
    if (own.length === 0) continue; // another Deployment's source
    if (hint.keys !== undefined) {
      for (const key of hint.keys) keys.set(keyString(key), key);
      continue;
    }
    for (const source of own) {
      const mapping = source.keysFor(hint.secretId);
      if (mapping.ignoredReason !== undefined) continue;
      for (const key of mapping.keys) keys.set(keyString(key), key);
    }
  }
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
  for (const hint of hints) {
    if (hint.action !== "upsert" || hint.version === undefined) continue;
    if (hint.sourceId !== undefined ? hint.sourceId !== source.id : hint.provider !== source.provider) continue;
    const keys = hint.keys ?? source.keysFor(hint.secretId).keys;
    for (const key of keys) {
      const k = keyString(key);
      const seen = pinned.get(k);
      if (seen !== undefined && seen !== hint.version) conflicting.add(k);
      else pinned.set(k, hint.version);
    }
  }
  for (const k of conflicting) pinned.delete(k);
  return pinned;
}
