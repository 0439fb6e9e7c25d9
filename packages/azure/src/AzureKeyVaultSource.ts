import type { AirflowKey, AirflowValue, KeyString, Logger, SourceVersion } from "@afsync/core";
import { InvalidValueError, keyString, silentLogger } from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import type { SecretIdMapping, SecretSource, SourceCapabilities, SourceRead } from "@afsync/core/ports/SecretSource";
import { mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import type { KeyVaultSecret, SecretClient } from "@azure/keyvault-secrets";
import type { AzureSecretNaming } from "./AzureSecretNaming.ts";
import type { ThrottleLog } from "./createAzureKeyVaultClient.ts";
import { describeFailure, describeKeyVaultError, keyVaultCallError } from "./keyVaultCallFailure.ts";

/** The keys the Deployments already hold (targets and afsync's state): what tells Key Vault's spellings apart. */
export type KnownKeys = () => Promise<ReadonlySet<KeyString>>;

// Key Vault has no batch read: one GET per secret. The engine hands over this many keys per
// `read` call, which fans them out CONCURRENCY at a time, well inside 4,000 calls per 10 s.
const BATCH_SIZE = 25;
const CONCURRENCY = 8;
// The REST API's page size limit (`maxresults` above 25 is rejected with BadParameter).
const LIST_PAGE = 25;

export interface AzureKeyVaultSourceDeps {
  readonly client: SecretClient;
  readonly naming: AzureSecretNaming;
  readonly throttle?: ThrottleLog;
  readonly knownKeys?: KnownKeys;
  readonly logger?: Logger;
}

type Wanted = {
  readonly key: AirflowKey;
  readonly name: string;
  readonly version?: string;
  /** Set when the name's spelling cannot be decided: a secret that exists is reported with this. */
  readonly ambiguous?: string;
};

/**
 * Azure Key Vault read the way Airflow's `AzureKeyVaultBackend` reads it: secret names are
 * `prefix + sep + key` with every `_` turned into `sep`, values are URIs or Airflow's JSON form,
 * variables the raw string. A full reconciliation lists every secret (`listPropertiesOfSecrets`,
 * following `nextLink`), keeps the enabled ones under the prefixes and GETs each; a version named
 * by an event is read exactly. Disabled and absent secrets are `missing`; a name whose key
 * cannot be told apart (see AzureSecretNaming) is reported `invalid` under every spelling, so
 * no spelling is created or deleted on a guess.
 */
export class AzureKeyVaultSource implements SecretSource {
  readonly id: string;
  readonly provider = "azure-key-vault";
  // No delete events: Key Vault notifies new versions only, so deletions wait for a reconciliation.
  readonly capabilities: SourceCapabilities = { batchSize: BATCH_SIZE, orderedVersions: true };
  readonly #client: SecretClient;
  readonly #naming: AzureSecretNaming;
  readonly #throttle: ThrottleLog;
  readonly #knownKeys: KnownKeys;
  readonly #logger: Logger;

  constructor(id: string, deps: AzureKeyVaultSourceDeps) {
    this.id = id;
    this.#client = deps.client;
    this.#naming = deps.naming;
    this.#throttle = deps.throttle ?? { throttled: 0, gaveUp: 0 };
    this.#knownKeys = deps.knownKeys ?? (async () => new Set());
    this.#logger = deps.logger ?? silentLogger;
  }

  secretIdFor(key: AirflowKey): string | null {
    return this.#naming.secretIdFor(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    const vault = vaultOriginOf(secretId);
    if (vault !== undefined && vault !== new URL(this.#client.vaultUrl).origin)
      return { keys: [], ignoredReason: `${secretId} is in vault ${vault}; source ${this.id} reads ${this.#client.vaultUrl}` };
    return this.#naming.keysFor(secretNameOf(secretId));
  }

  async readAll(): Promise<SourceRead[]> {
    const names = await this.#listEnabledNames();
    const known = await this.#knownFor(names);
    const out: SourceRead[] = [];
    const wanted: Wanted[] = [];
    for (const name of names) {
      const resolved = this.#naming.resolve(name, known);
      if (resolved.status === "ignored") continue; // outside the prefixes, a config secret, or refused by the naming
      if (resolved.status === "ambiguous") {
        for (const key of resolved.candidates) out.push({ status: "invalid", key, secretId: name, reason: resolved.reason });
        continue;
      }
      wanted.push({ key: resolved.key, name });
    }
    const reads = await this.#withThrottleReport("readAll", () => mapWithConcurrency(wanted, CONCURRENCY, (w) => this.#read(w)));
    // A secret disabled or deleted between the listing and the read drops out of a full listing.
    out.push(...reads.filter((r) => r.status !== "missing"));
    return out;
  }

  async read(keys: readonly AirflowKey[], versions?: ReadonlyMap<string, string>): Promise<SourceRead[]> {
    const out: SourceRead[] = [];
    const named: { key: AirflowKey; name: string }[] = [];
    for (const key of keys) {
      const name = this.#naming.secretIdFor(key);
      if (name === null) out.push({ status: "missing", key, secretId: "" });
      else named.push({ key, name });
    }
    const known = await this.#knownFor(named.map((n) => n.name));
    const wanted: Wanted[] = [];
    for (const { key, name } of named) {
      const resolved = this.#naming.resolve(name, known);
      // Another spelling owns this secret (explicit map or a held key): this key is not served by it.
      if (resolved.status === "key" && keyString(resolved.key) !== keyString(key)) {
        out.push({ status: "missing", key, secretId: name });
        continue;
      }
      const version = versions?.get(keyString(key)) ?? versions?.get(name);
      // Ambiguity only matters for a secret that exists: an absent one is simply missing.
      const ambiguous = resolved.status === "ambiguous" ? { ambiguous: resolved.reason } : {};
      wanted.push({ key, name, ...(version === undefined ? {} : { version }), ...ambiguous });
    }
    out.push(...(await this.#withThrottleReport("read", () => mapWithConcurrency(wanted, CONCURRENCY, (w) => this.#read(w)))));
    return out;
  }

  /**
   * `afsync rollback`: the secret exactly at an older version id. Unlike an event's version, a
   * version that is gone or disabled is not replaced by the current one: it reads as missing.
   */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    const name = this.#naming.secretIdFor(key);
    if (name === null) return { status: "missing", key, secretId: "" };
    try {
      return this.#toRead(key, name, await this.#client.getSecret(name, { version }));
    } catch (err) {
      const info = describeKeyVaultError(err);
      if (info.status === 404 || info.innerCode === "SecretDisabled") return { status: "missing", key, secretId: name };
      return { status: "error", key, secretId: name, reason: `GetSecret ${name} version ${version}: ${describeFailure(info)}` };
    }
  }

  async #listEnabledNames(): Promise<string[]> {
    const names: string[] = [];
    try {
      // The SDK follows each page's nextLink verbatim.
      for await (const page of this.#client.listPropertiesOfSecrets().byPage({ maxPageSize: LIST_PAGE })) {
        // A disabled secret reads as absent, exactly as Airflow's backend sees it (GET answers 403).
        for (const p of page) if (p.enabled !== false) names.push(p.name);
      }
    } catch (err) {
      // A failed listing must not look like "everything was deleted": fail the whole read.
      throw keyVaultCallError(`listing the secrets of vault ${this.#client.vaultUrl} (source ${this.id})`, err);
    }
    return names;
  }

  /** The held keys, fetched only when some name has more than one spelling. */
  async #knownFor(names: readonly string[]): Promise<ReadonlySet<KeyString>> {
    return names.some((n) => this.#naming.needsKnownKeys(n)) ? this.#knownKeys() : new Set();
  }

  async #read(w: Wanted): Promise<SourceRead> {
    try {
      const secret = await this.#client.getSecret(w.name, w.version === undefined ? {} : { version: w.version });
      const read = this.#toRead(w.key, w.name, secret);
      if (w.ambiguous !== undefined && read.status !== "missing")
        return { status: "invalid", key: w.key, secretId: w.name, reason: w.ambiguous };
      return read;
    } catch (err) {
      const info = describeKeyVaultError(err);
      // The event's version is gone (or disabled) while the secret may live on: read the current one.
      if (w.version !== undefined && (info.status === 404 || info.innerCode === "SecretDisabled"))
        return this.#read({ key: w.key, name: w.name, ...(w.ambiguous === undefined ? {} : { ambiguous: w.ambiguous }) });
      if (info.status === 404 || info.innerCode === "SecretDisabled") return { status: "missing", key: w.key, secretId: w.name };
      return { status: "error", key: w.key, secretId: w.name, reason: `GetSecret ${w.name}: ${describeFailure(info)}` };
    }
  }

  #toRead(key: AirflowKey, name: string, secret: KeyVaultSecret): SourceRead {
    const p = secret.properties;
    const version: SourceVersion | undefined =
      p.version === undefined ? undefined : { id: p.version, ...(p.createdOn ? { order: p.createdOn.getTime() } : {}) };
    const withVersion = version ? { version } : {};
    if (p.enabled === false) return { status: "missing", key, secretId: name };
    if (secret.value === undefined) return { status: "invalid", key, secretId: name, reason: "the secret has no value", ...withVersion };
    try {
      return { status: "found", key, secretId: name, value: parseValue(key, secret.value), ...withVersion };
    } catch (err) {
      if (!(err instanceof InvalidValueError)) throw err;
      return { status: "invalid", key, secretId: name, reason: err.message, ...withVersion };
    }
  }

  async #withThrottleReport<T>(operation: string, run: () => Promise<T>): Promise<T> {
    const before = { ...this.#throttle };
    const result = await run();
    const throttled = this.#throttle.throttled - before.throttled;
    if (throttled > 0) {
      this.#logger.log("warn", "Key Vault throttled afsync's reads (HTTP 429)", {
        source: this.id,
        operation,
        throttled,
        gaveUp: this.#throttle.gaveUp - before.gaveUp,
      });
    }
    return result;
  }
}

// Airflow's BaseSecretsBackend.deserialize_connection: JSON when it starts with '{', else a URI.
function parseValue(key: AirflowKey, raw: string): AirflowValue {
  if (key.kind === "variable") return { kind: "variable", value: raw };
  const trimmed = raw.trim();
  const format = trimmed.startsWith("{") ? "json" : "uri";
  return { kind: "connection", connection: parseConnectionValue(trimmed, { format }) };
}

function vaultOriginOf(secretId: string): string | undefined {
  if (!/^https?:\/\//.test(secretId)) return undefined;
  try {
    return new URL(secretId).origin;
  } catch {
    return undefined;
  }
}

/** Events and listings name a secret by URL (`https://v.vault.azure.net/secrets/<name>/<version>`) or by name. */
export function secretNameOf(secretId: string): string {
  const m = /^https?:\/\/[^/]+\/secrets\/([^/?#]+)/.exec(secretId);
  return m?.[1] ?? secretId;
}
