import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { ChangeHint } from "../model/ChangeHint.ts";
import type { SecretSource } from "../ports/SecretSource.ts";

/**
 * The Airflow keys a batch of hints touches among the given sources. A hint that already names
 * its keys is taken as is; otherwise every source the hint belongs to (by `sourceId`, or by
 * provider when the edge could not tell) maps the secret id back with its own naming rules.
 * `notice` and `ignore` hints change no value and name no key. Duplicates collapse, so a burst
 * of events for one secret becomes one key to re-read.
 */
export function keysForHints(hints: readonly ChangeHint[], sources: readonly SecretSource[]): AirflowKey[] {
  const keys = new Map<KeyString, AirflowKey>();
  for (const hint of hints) {
    if (hint.action !== "upsert" && hint.action !== "delete") continue;
    if (hint.keys !== undefined) {
      for (const key of hint.keys) keys.set(keyString(key), key);
      continue;
    }
    for (const source of sources) {
      const belongs = hint.sourceId !== undefined ? hint.sourceId === source.id : hint.provider === source.provider;
      if (!belongs) continue;
      const mapping = source.keysFor(hint.secretId);
      if (mapping.ignoredReason !== undefined) continue;
      for (const key of mapping.keys) keys.set(keyString(key), key);
    }
  }
  return [...keys.values()];
}
