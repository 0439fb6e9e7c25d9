import { type AirflowKey, type KeyString, parseKeyString } from "@afsync/core";
import { keyMatchesSecretId, keysForSecretId, secretIdForKey } from "@afsync/core/formats/backendNaming";
import type { SecretIdMapping } from "@afsync/core/ports/SecretSource";

/** Which key a Key Vault secret name holds, once the lossy naming is resolved. */
export type NameResolution =
  | { readonly status: "key"; readonly key: AirflowKey; readonly candidates: readonly AirflowKey[] }
  | { readonly status: "ambiguous"; readonly candidates: readonly AirflowKey[]; readonly reason: string }
  | { readonly status: "ignored"; readonly reason: string };

const BACKEND = "azure-key-vault";

/**
 * Key Vault names both ways, as `AzureKeyVaultBackend.build_path` builds them: the whole path
 * has `_` replaced by `sep` (Key Vault names allow only `0-9a-zA-Z-`), so `my_db` and `my-db`
 * read the same secret. A name maps back to every spelling; which one a secret holds is decided
 * by the config's explicit `keys` map, else by the keys the Deployments already hold, else the
 * name is ambiguous and reported, never guessed. A name with no `sep` in its key part has one
 * spelling and needs neither.
 */
export class AzureSecretNaming {
  readonly #kwargs: Record<string, unknown>;
  readonly #explicit: ReadonlyMap<string, AirflowKey>;

  /** `explicit`: secret name → Airflow id (the `keys` option); each entry must name a secret that id reads. */
  constructor(kwargs: Record<string, unknown>, explicit: Readonly<Record<string, string>> = {}) {
    this.#kwargs = kwargs;
    const map = new Map<string, AirflowKey>();
    for (const [name, id] of Object.entries(explicit)) {
      const mapped = keysForSecretId(BACKEND, name, kwargs);
      if (!mapped.ok) throw new Error(`keys.${name}: ${mapped.reason}`);
      if (mapped.kind === "config") throw new Error(`keys.${name}: an Airflow config secret; afsync syncs connections and variables only`);
      const key: AirflowKey = { kind: mapped.kind, id };
      if (!keyMatchesSecretId(BACKEND, mapped.kind, id, name, kwargs))
        throw new Error(`keys.${name}: the ${mapped.kind} '${id}' is not read from this secret name (the backend would read another name)`);
      map.set(name, key);
    }
    this.#explicit = map;
  }

  secretIdFor(key: AirflowKey): string | null {
    const result = secretIdForKey(BACKEND, key.kind, key.id, this.#kwargs);
    return result.ok && typeof result.secretId === "string" ? result.secretId : null;
  }

  /** Every key the name may hold (the explicit one alone when the config maps it), or why it is ignored. */
  keysFor(secretName: string): SecretIdMapping {
    const explicit = this.#explicit.get(secretName);
    if (explicit !== undefined) return { keys: [explicit] };
    const result = keysForSecretId(BACKEND, secretName, this.#kwargs);
    if (!result.ok) return { keys: [], ignoredReason: result.reason };
    if (result.kind === "config")
      return { keys: [], ignoredReason: `${secretName} is an Airflow config secret; afsync syncs connections and variables only` };
    const kind = result.kind;
    return { keys: result.keys.map((id): AirflowKey => ({ kind, id })) };
  }

  /** Whether telling the name's key apart needs the keys the Deployments hold. */
  needsKnownKeys(secretName: string): boolean {
    return !this.#explicit.has(secretName) && this.keysFor(secretName).keys.length > 1;
  }

  /** The one key the name holds, given the keys the Deployments already hold. */
  resolve(secretName: string, known: ReadonlySet<KeyString>): NameResolution {
    const mapping = this.keysFor(secretName);
    if (mapping.ignoredReason !== undefined) return { status: "ignored", reason: mapping.ignoredReason };
    const candidates = mapping.keys;
    const [only] = candidates;
    if (candidates.length === 1 && only !== undefined) return { status: "key", key: only, candidates };
    // Tested against every held key, not only the listed spellings: beyond 8 separators only two are listed.
    const kind = only?.kind;
    const held: AirflowKey[] = [];
    for (const ks of known) {
      const key = parseKeyString(ks);
      if (key !== null && key.kind === kind && keyMatchesSecretId(BACKEND, kind, key.id, secretName, this.#kwargs)) held.push(key);
    }
    const [heldOnly] = held;
    if (held.length === 1 && heldOnly !== undefined) return { status: "key", key: heldOnly, candidates };
    const spellings = candidates.map((k) => `'${k.id}'`).join(", ");
    const why =
      held.length === 0
        ? "no Deployment holds any of them yet"
        : `Deployments hold ${held.length} of them (${held.map((k) => `'${k.id}'`).join(", ")})`;
    return {
      status: "ambiguous",
      candidates,
      reason: `Key Vault turns '_' into '${String(this.#kwargs.sep ?? "-")}', so secret ${secretName} may hold ${spellings} and ${why}; map it under the source's keys option (keys: { ${secretName}: <id> })`,
    };
  }
}
