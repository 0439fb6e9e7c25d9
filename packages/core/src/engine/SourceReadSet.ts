import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { ListedVersion, SecretSource, SourceRead } from "../ports/SecretSource.ts";

/**
 * Everything one run reads from its sources, read once per source however many Deployments
 * share it: `readAll` for a full reconciliation, batched `read` calls (at most the source's
 * `batchSize` keys each) for hints. A call that throws does not abort the run: its keys become
 * `error` reads (for `read`) or the whole source is marked failed (for `readAll`, since
 * treating a failed listing as "no keys" would delete everything). A source that lists versions
 * (`listVersions`) can be completed from its listing instead: the keys whose value is needed
 * are read, the others are held as listed (version only, no value).
 */
export class SourceReadSet {
  /** Source read calls made, for reports and benchmarks. */
  calls = 0;
  private readonly reads = new Map<string, Map<KeyString, SourceRead>>();
  private readonly complete = new Set<string>();
  private readonly failures = new Map<string, string>();
  private readonly listed = new Map<string, Map<KeyString, ListedVersion>>();
  /** Reads of older versions (`readVersion`, for rollbacks and the pins they leave), by source, key and version. */
  private readonly versioned = new Map<string, SourceRead>();

  /** `onPage` hears the pages as they land, where the source reads in pages (see `SecretSource.readAll`). */
  async readAll(source: SecretSource, onPage?: (reads: readonly SourceRead[]) => void): Promise<void> {
    if (this.complete.has(source.id) || this.failures.has(source.id)) return;
    this.calls += 1;
    try {
      const all = await (onPage === undefined ? source.readAll() : source.readAll(onPage));
      const map = this.mapFor(source.id);
      for (const read of all) map.set(keyString(read.key), read);
      this.complete.add(source.id);
    } catch (error) {
      this.failures.set(source.id, errorMessage(error));
    }
  }

  /** The source's version listing (one call), or undefined when it failed (the source is then marked failed). */
  async listVersions(source: SecretSource): Promise<readonly ListedVersion[] | undefined> {
    if (this.complete.has(source.id) || this.failures.has(source.id) || source.listVersions === undefined) return undefined;
    this.calls += 1;
    try {
      return await source.listVersions();
    } catch (error) {
      this.failures.set(source.id, errorMessage(error));
      return undefined;
    }
  }

  /**
   * Completes a source from its version listing: reads `toRead` (batched, as `read` does) and
   * holds every other listed key as listed, its value unread. The source then counts as fully
   * read: a key neither listed nor read is one it does not hold.
   */
  async completeFromListing(source: SecretSource, listing: readonly ListedVersion[], toRead: readonly AirflowKey[]): Promise<void> {
    if (this.complete.has(source.id) || this.failures.has(source.id)) return;
    await this.read(source, toRead);
    const map = this.mapFor(source.id);
    const unread = new Map<KeyString, ListedVersion>();
    for (const entry of listing) {
      const ks = keyString(entry.key);
      if (!map.has(ks)) unread.set(ks, entry);
    }
    this.listed.set(source.id, unread);
    this.complete.add(source.id);
  }

  /** A key held as listed (its value not read this run), if it is one. */
  listedOnly(sourceId: string, key: KeyString): ListedVersion | undefined {
    return this.listed.get(sourceId)?.get(key);
  }

  /** Reads the keys not yet known for this source, in batches; `versions` pins keys to the version an event named. */
  async read(source: SecretSource, keys: readonly AirflowKey[], versions?: ReadonlyMap<KeyString, string>): Promise<void> {
    if (this.complete.has(source.id) || this.failures.has(source.id)) return;
    const map = this.mapFor(source.id);
    const pending = uniqueKeys(keys).filter((k) => !map.has(keyString(k)));
    const size = Math.max(1, Number.isFinite(source.capabilities.batchSize) ? source.capabilities.batchSize : pending.length);
    for (let i = 0; i < pending.length; i += size) {
      const batch = pending.slice(i, i + size);
      this.calls += 1;
      try {
        const pinned = versionsFor(batch, versions);
        const got = await (pinned === undefined ? source.read(batch) : source.read(batch, pinned));
        for (const read of got) map.set(keyString(read.key), read);
        for (const key of batch) {
          // A source that silently skips a key did not find it.
          if (!map.has(keyString(key)))
            map.set(keyString(key), { status: "missing", key, secretId: source.secretIdFor(key) ?? keyString(key) });
        }
      } catch (error) {
        const reason = errorMessage(error);
        for (const key of batch)
          map.set(keyString(key), { status: "error", key, secretId: source.secretIdFor(key) ?? keyString(key), reason });
      }
    }
  }

  /**
   * Reads a key at an older version the provider still holds, once per (source, key, version);
   * kept apart from the current reads, which other Deployments of the run still plan from. Also
   * filed under the version id the provider resolved (AWSPREVIOUS → its VersionId).
   */
  async readVersion(source: SecretSource, key: AirflowKey, version: string): Promise<SourceRead> {
    const ks = keyString(key);
    const known = this.versioned.get(versionedKey(source.id, ks, version));
    if (known !== undefined) return known;
    let read: SourceRead;
    if (source.readVersion === undefined) throw new Error(`source ${source.id} keeps no versions`);
    this.calls += 1;
    try {
      read = await source.readVersion(key, version);
    } catch (error) {
      read = { status: "error", key, secretId: source.secretIdFor(key) ?? ks, reason: errorMessage(error) };
    }
    this.versioned.set(versionedKey(source.id, ks, version), read);
    if ((read.status === "found" || read.status === "invalid") && read.version !== undefined)
      this.versioned.set(versionedKey(source.id, ks, read.version.id), read);
    return read;
  }

  /** A key's read at an older version, if `readVersion` made it this run. */
  getVersion(sourceId: string, key: KeyString, version: string): SourceRead | undefined {
    return this.versioned.get(versionedKey(sourceId, key, version));
  }

  /** The source's answer for a key; undefined when it does not hold it (or was never asked). */
  get(sourceId: string, key: KeyString): SourceRead | undefined {
    return this.reads.get(sourceId)?.get(key);
  }

  /**
   * Every key a fully listed source holds (read or held as listed), with the key string it is
   * filed under: each Deployment's plan reuses these strings and keys rather than making its
   * own (one string and one array slot per key per Deployment, kept by every plan in flight).
   */
  *keysOf(sourceId: string): Generator<readonly [KeyString, AirflowKey]> {
    for (const [ks, read] of this.reads.get(sourceId) ?? []) yield [ks, read.key];
    for (const [ks, listed] of this.listed.get(sourceId) ?? []) yield [ks, listed.key];
  }

  /** Why listing a source failed, if it did. */
  failure(sourceId: string): string | undefined {
    return this.failures.get(sourceId);
  }

  private mapFor(sourceId: string): Map<KeyString, SourceRead> {
    let map = this.reads.get(sourceId);
    if (map === undefined) {
      map = new Map();
      this.reads.set(sourceId, map);
    }
    return map;
  }
}

function versionsFor(batch: readonly AirflowKey[], versions: ReadonlyMap<KeyString, string> | undefined): Map<string, string> | undefined {
  if (versions === undefined) return undefined;
  const pinned = new Map<string, string>();
  for (const key of batch) {
    const version = versions.get(keyString(key));
    if (version !== undefined) pinned.set(keyString(key), version);
  }
  return pinned.size === 0 ? undefined : pinned;
}

function versionedKey(sourceId: string, key: KeyString, version: string): string {
  return JSON.stringify([sourceId, key, version]);
}

function uniqueKeys(keys: readonly AirflowKey[]): AirflowKey[] {
  const seen = new Map<KeyString, AirflowKey>();
  for (const k of keys) seen.set(keyString(k), k);
  return [...seen.values()];
}

/** Adapters' errors never carry values (ports contract), so their message is safe to report. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
