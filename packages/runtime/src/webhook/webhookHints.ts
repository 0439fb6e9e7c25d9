import { type AirflowKey, keyString, type ResolvedHint } from "@afsync/core";
import type { SourceNaming } from "@afsync/core/ports/SecretSource";

/**
 * A signed webhook's keys as hints already resolved to their source: the sender named the source
 * and the keys, so nothing is mapped back. A key the source never looks up still gets a hint
 * (its secret id is then the key string): the engine reads it and reports it missing.
 */
export function webhookHints(keys: readonly AirflowKey[], source: SourceNaming): ResolvedHint[] {
  return keys.map((key) => ({
    provider: source.provider,
    sourceId: source.id,
    secretId: source.secretIdFor(key) ?? keyString(key),
    action: "upsert",
    keys: [key],
  }));
}
