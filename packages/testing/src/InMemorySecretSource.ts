import {
  type AirflowKey,
  type AirflowValue,
  type Connection,
  type KeyString,
  keyString,
  type ListedVersion,
  parseKeyString,
  type SecretIdMapping,
  type SecretSource,
  type SourceCapabilities,
  type SourceRead,
  type SourceVersion,
} from "@afsync/core";

type Stored =
  | { readonly status: "found"; readonly value: AirflowValue; readonly version: SourceVersion }
  | { readonly status: "invalid"; readonly reason: string; readonly version: SourceVersion }
  | { readonly status: "error"; readonly reason: string };

/**
 * A secrets manager in a Map. Secret ids are the key strings themselves (`conn:db`), every
 * write gets the next ordered version, and read calls are counted. Faults are explicit:
 * `setInvalid`, `setError`, `failListing`. With `listsVersions`, it lists (key, version)
 * without values, and `valuesRead` counts the keys whose value was handed out.
 */
export class InMemorySecretSource implements SecretSource {
  readonly id: string;
  readonly provider: string;
  readonly capabilities: SourceCapabilities;
  readCalls = 0;
  readAllCalls = 0;
  listCalls = 0;
  /** Keys answered by `read` and `readAll` (values handed out, or reasons for unreadable ones). */
  valuesRead = 0;
  /** The versions each pinned `read` asked for (key string → version id), in call order. */
  readonly pinnedVersions: Map<string, string>[] = [];
  private readonly store = new Map<KeyString, Stored>();
  /** Every version each key has had, oldest first, as a versioned secrets manager keeps them. */
  private readonly history = new Map<KeyString, Stored[]>();
  private versionCounter = 0;
  private listingFailure: string | undefined;

  constructor(id: string, options: { provider?: string; batchSize?: number; orderedVersions?: boolean; listsVersions?: boolean } = {}) {
    this.id = id;
    this.provider = options.provider ?? "memory";
    this.capabilities = {
      batchSize: options.batchSize ?? 20,
      orderedVersions: options.orderedVersions ?? true,
      ...(options.listsVersions === undefined ? {} : { listsVersions: options.listsVersions }),
    };
  }

  setConnection(id: string, connection: Connection, version?: SourceVersion): this {
    return this.set({ kind: "connection", id }, { kind: "connection", connection }, version);
  }

  setVariable(id: string, value: string, version?: SourceVersion): this {
    return this.set({ kind: "variable", id }, { kind: "variable", value }, version);
  }

  set(key: AirflowKey, value: AirflowValue, version?: SourceVersion): this {
    const stored: Stored = { status: "found", value, version: version ?? this.nextVersion() };
    this.store.set(keyString(key), stored);
    this.history.set(keyString(key), [...(this.history.get(keyString(key)) ?? []), stored]);
    return this;
  }

  /** A secret whose value does not parse; `reason` is what the source would report. */
  setInvalid(key: AirflowKey, reason = "the value is neither a connection URI nor JSON"): this {
    this.store.set(keyString(key), { status: "invalid", reason, version: this.nextVersion() });
    return this;
  }

  /** A key the provider refuses to return (permission denied, throttled past retries). */
  setError(key: AirflowKey, reason: string): this {
    this.store.set(keyString(key), { status: "error", reason });
    return this;
  }

  delete(key: AirflowKey): this {
    this.store.delete(keyString(key));
    return this;
  }

  /** Make `readAll` throw (a listing that fails must never look like "no keys"). */
  failListing(reason: string | undefined): this {
    this.listingFailure = reason;
    return this;
  }

  async readAll(): Promise<SourceRead[]> {
    this.readAllCalls += 1;
    if (this.listingFailure !== undefined) throw new Error(this.listingFailure);
    return [...this.store.keys()].flatMap((ks) => {
      const key = parseKeyString(ks);
      return key === null ? [] : [this.answer(key)];
    });
  }

  async listVersions(): Promise<ListedVersion[]> {
    this.listCalls += 1;
    if (this.listingFailure !== undefined) throw new Error(this.listingFailure);
    return [...this.store].flatMap(([ks, stored]) => {
      const key = parseKeyString(ks);
      if (key === null) return [];
      // An unreadable key lists under a version nothing was applied at, so it is read (and errs).
      const version = stored.status === "error" ? { id: "unreadable" } : stored.version;
      return [{ key, secretId: ks, version }];
    });
  }

  async read(keys: readonly AirflowKey[], versions?: ReadonlyMap<string, string>): Promise<SourceRead[]> {
    this.readCalls += 1;
    if (versions !== undefined) this.pinnedVersions.push(new Map(versions));
    if (keys.length > this.capabilities.batchSize)
      throw new Error(`read of ${keys.length} keys exceeds batch size ${this.capabilities.batchSize}`);
    return keys.map((key) => this.answer(key));
  }

  /** The key at an older version it has held (missing once deleted, like a deleted secret's versions). */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    const secretId = keyString(key);
    const held = this.store.has(secretId) ? this.history.get(secretId)?.find((s) => "version" in s && s.version.id === version) : undefined;
    if (held === undefined || held.status !== "found") return { status: "missing", key, secretId };
    return { status: "found", key, secretId, value: held.value, version: held.version };
  }

  secretIdFor(key: AirflowKey): string {
    return keyString(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    const key = parseKeyString(secretId);
    return key === null ? { keys: [], ignoredReason: `${secretId} is not conn:<id> or var:<key>` } : { keys: [key] };
  }

  private answer(key: AirflowKey): SourceRead {
    this.valuesRead += 1;
    const secretId = keyString(key);
    const stored = this.store.get(secretId);
    if (stored === undefined) return { status: "missing", key, secretId };
    if (stored.status === "error") return { status: "error", key, secretId, reason: stored.reason };
    if (stored.status === "invalid") return { status: "invalid", key, secretId, reason: stored.reason, version: stored.version };
    return { status: "found", key, secretId, value: stored.value, version: stored.version };
  }

  private nextVersion(): SourceVersion {
    this.versionCounter += 1;
    return { id: `v${this.versionCounter}`, order: this.versionCounter };
  }
}
