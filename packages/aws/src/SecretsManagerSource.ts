import type { AirflowKey, AirflowValue, SourceVersion } from "@afsync/core";
import { keyString } from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import type { ListedVersion, SecretIdMapping, SecretSource, SourceCapabilities, SourceRead } from "@afsync/core/ports/SecretSource";
import type { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
import { chunk, mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import { readRawValue } from "@afsync/core/source/readRawValue";
import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandOutput,
  GetSecretValueCommand,
  type GetSecretValueResponse,
  ListSecretsCommand,
  type SecretsManagerClient,
  type SecretValueEntry,
} from "@aws-sdk/client-secrets-manager";
import { awsCallError, describeAwsError } from "./awsCallFailure.ts";
import { secretsManagerKeysFor } from "./awsSourceNaming.ts";
import { secretNameOf } from "./secretName.ts";

const BATCH_SIZE = 20; // BatchGetSecretValue's documented maximum
const LIST_PAGE = 100; // ListSecrets' maximum MaxResults
const CONCURRENCY = 4;
// A secret gone or scheduled for deletion reads as one of these: a deletion signal, not an error.
const GONE = new Set(["ResourceNotFoundException", "InvalidRequestException"]);

type Entry = SecretValueEntry | GetSecretValueResponse;

/**
 * AWS Secrets Manager read the way Airflow's `SecretsManagerBackend` reads it: ids are
 * `prefix + sep + key`, values are URIs or JSON (with the backend's aliases, or a rotation
 * function's `engine/host/username/password/dbname` JSON), variables the raw string. Full
 * reconciliation reads under the prefixes with `BatchGetSecretValue`'s name filter (20 a page,
 * no separate listing); `listVersions()` lists each secret's AWSCURRENT VersionId with
 * `ListSecrets` (100 a page, no value), and a version named by an event is read exactly.
 * Every new value is a new VersionId (a UUID, never reused), so the listing is trustworthy.
 */
export class SecretsManagerSource implements SecretSource {
  readonly id: string;
  readonly provider = "aws-secrets-manager";
  readonly capabilities: SourceCapabilities = { batchSize: BATCH_SIZE, orderedVersions: true, listsVersions: true };
  readonly #client: SecretsManagerClient;
  readonly #naming: BackendSecretNaming;
  readonly #kwargs: Record<string, unknown>;

  constructor(id: string, client: SecretsManagerClient, naming: BackendSecretNaming, kwargs: Record<string, unknown>) {
    this.id = id;
    this.#client = client;
    this.#naming = naming;
    this.#kwargs = kwargs;
  }

  secretIdFor(key: AirflowKey): string | null {
    return this.#naming.secretIdFor(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    return secretsManagerKeysFor(this.#naming, secretId);
  }

  async readAll(onPage?: (reads: readonly SourceRead[]) => void): Promise<SourceRead[]> {
    const prefixes = this.#prefixes();
    // BatchGetSecretValue's Filters need a value: without a prefix, list then read by id.
    if (prefixes.includes(""))
      return (await this.#readBatched(this.#wanted(await this.#listEntries("")))).filter((r) => r.status !== "missing");
    const pages = await Promise.all(prefixes.map((prefix) => this.#readFiltered(prefix, onPage)));
    const out = new Map<string, SourceRead>();
    for (const page of pages) for (const read of page) out.set(keyString(read.key), read);
    return [...out.values()];
  }

  async listVersions(): Promise<ListedVersion[]> {
    const listings = await Promise.all(this.#prefixes().map((prefix) => this.#listEntries(prefix)));
    const current = new Map<string, string>();
    for (const listing of listings) for (const e of listing) if (e.versionId !== undefined) current.set(e.name, e.versionId);
    const out: ListedVersion[] = [];
    for (const { key, secretId } of this.#wanted([...current.keys()].map((name) => ({ name })))) {
      const id = current.get(secretId);
      if (id !== undefined) out.push({ key, secretId, version: { id } });
    }
    return out;
  }

  #prefixes(): string[] {
    const prefixes = new Set<string>();
    for (const kind of ["connection", "variable"] as const) {
      const prefix = this.#naming.listingPrefix(kind);
      if (prefix !== null) prefixes.add(prefix);
    }
    return [...prefixes];
  }

  /** The keys whose lookup reads exactly these names. */
  #wanted(entries: readonly { name: string }[]): { key: AirflowKey; secretId: string }[] {
    const wanted: { key: AirflowKey; secretId: string }[] = [];
    for (const { name } of new Map(entries.map((e) => [e.name, e])).values()) {
      for (const key of this.#naming.keysFor(name).keys) if (this.#naming.secretIdFor(key) === name) wanted.push({ key, secretId: name });
    }
    return wanted;
  }

  /** Values under a prefix, 20 a call with the name filter: a first full read costs ceil(N/20) calls. */
  async #readFiltered(prefix: string, onPage?: (reads: readonly SourceRead[]) => void): Promise<SourceRead[]> {
    const out: SourceRead[] = [];
    const handedOver: Promise<void>[] = [];
    let token: string | undefined;
    do {
      let page: BatchGetSecretValueCommandOutput;
      try {
        page = await this.#client.send(
          new BatchGetSecretValueCommand({ Filters: [{ Key: "name", Values: [prefix] }], MaxResults: BATCH_SIZE, NextToken: token }),
        );
      } catch (err) {
        // A failed read must not look like "everything was deleted": fail the whole read.
        throw awsCallError(`BatchGetSecretValue under '${prefix}' (source ${this.id})`, err);
      }
      // The name filter's matching is looser than Airflow's exact ids (case, word boundaries): keep exact prefixes.
      const byName = new Map<string, SecretValueEntry>();
      for (const v of page.SecretValues ?? []) if (v.Name?.startsWith(prefix)) byName.set(v.Name, v);
      const reads: SourceRead[] = [];
      for (const { key, secretId } of this.#wanted([...byName.keys()].map((name) => ({ name })))) {
        const entry = byName.get(secretId);
        if (entry) reads.push(this.#toRead(key, secretId, entry));
      }
      out.push(...reads);
      if (onPage !== undefined && reads.length > 0) handedOver.push(handOver(onPage, reads));
      token = page.NextToken;
    } while (token);
    await Promise.all(handedOver);
    return out;
  }

  async read(keys: readonly AirflowKey[], versions?: ReadonlyMap<string, string>): Promise<SourceRead[]> {
    const out: SourceRead[] = [];
    const batched: { key: AirflowKey; secretId: string }[] = [];
    const pinned: { key: AirflowKey; secretId: string; versionId: string }[] = [];
    for (const key of keys) {
      const secretId = this.#naming.secretIdFor(key);
      if (secretId === null) {
        out.push({ status: "missing", key, secretId: "" });
        continue;
      }
      const versionId = versions?.get(keyString(key)) ?? versions?.get(secretId);
      if (versionId !== undefined) pinned.push({ key, secretId, versionId });
      else batched.push({ key, secretId });
    }
    const exact = await mapWithConcurrency(pinned, CONCURRENCY, (p) => this.#readVersion(p.key, p.secretId, p.versionId));
    for (const [i, read] of exact.entries()) {
      const p = pinned[i];
      // The named version is no longer AWSCURRENT (a newer one, or a rollback): read what is current.
      if (read === "not-current" && p) batched.push({ key: p.key, secretId: p.secretId });
      else if (read !== "not-current") out.push(read);
    }
    out.push(...(await this.#readBatched(batched)));
    return out;
  }

  /**
   * `afsync rollback`: the secret exactly at an older version, current or not. A VersionId is a
   * ClientRequestToken (32 to 64 characters); anything shorter is a staging label (AWSPREVIOUS,
   * or one of the operator's own), which GetSecretValue resolves through `VersionStage`.
   */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    const secretId = this.#naming.secretIdFor(key);
    if (secretId === null) return { status: "missing", key, secretId: "" };
    const which = version.length >= 32 ? { VersionId: version } : { VersionStage: version };
    try {
      return this.#toRead(key, secretId, await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, ...which })));
    } catch (err) {
      const { name } = describeAwsError(err);
      if (GONE.has(name)) return { status: "missing", key, secretId };
      return { status: "error", key, secretId, reason: `GetSecretValue of version ${version} failed: ${name}` };
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  /** Names (and AWSCURRENT VersionIds) under a prefix, 100 a page, no value read. */
  async #listEntries(prefix: string): Promise<{ name: string; versionId?: string }[]> {
    const out: { name: string; versionId?: string }[] = [];
    let token: string | undefined;
    do {
      try {
        const page = await this.#client.send(
          new ListSecretsCommand({
            MaxResults: LIST_PAGE,
            NextToken: token,
            ...(prefix ? { Filters: [{ Key: "name", Values: [prefix] }] } : {}),
          }),
        );
        for (const s of page.SecretList ?? []) {
          if (!s.Name?.startsWith(prefix)) continue;
          const versionId = Object.entries(s.SecretVersionsToStages ?? {}).find(([, stages]) => stages.includes("AWSCURRENT"))?.[0];
          out.push({ name: s.Name, ...(versionId === undefined ? {} : { versionId }) });
        }
        token = page.NextToken;
      } catch (err) {
        // A failed listing must not look like "everything was deleted": fail the whole read.
        throw awsCallError(`ListSecrets under '${prefix}' (source ${this.id})`, err);
      }
    } while (token);
    return out;
  }

  async #readBatched(wanted: readonly { key: AirflowKey; secretId: string }[]): Promise<SourceRead[]> {
    const batches = chunk(wanted, BATCH_SIZE);
    const results = await mapWithConcurrency(batches, CONCURRENCY, async (batch): Promise<SourceRead[]> => {
      const ids = [...new Set(batch.map((w) => w.secretId))];
      try {
        const out = await this.#client.send(new BatchGetSecretValueCommand({ SecretIdList: ids }));
        const byName = new Map<string, Entry>();
        for (const v of out.SecretValues ?? []) if (v.Name) byName.set(v.Name, v);
        const errors = new Map<string, string>();
        for (const e of out.Errors ?? []) if (e.SecretId) errors.set(secretNameOf(e.SecretId), e.ErrorCode ?? "UnknownError");
        return batch.map(({ key, secretId }): SourceRead => {
          const entry = byName.get(secretId);
          if (entry) return this.#toRead(key, secretId, entry);
          const code = errors.get(secretId) ?? "ResourceNotFoundException";
          if (GONE.has(code)) return { status: "missing", key, secretId };
          return { status: "error", key, secretId, reason: `BatchGetSecretValue: ${code}` };
        });
      } catch (err) {
        const { name, status } = describeAwsError(err);
        const reason = `BatchGetSecretValue failed after retries: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}`;
        return batch.map(({ key, secretId }): SourceRead => ({ status: "error", key, secretId, reason }));
      }
    });
    return results.flat();
  }

  async #readVersion(key: AirflowKey, secretId: string, versionId: string): Promise<SourceRead | "not-current"> {
    try {
      const entry = await this.#client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
      if (!entry.VersionStages?.includes("AWSCURRENT")) return "not-current";
      return this.#toRead(key, secretId, entry);
    } catch (err) {
      const { name } = describeAwsError(err);
      // The version may have been removed since the event; the secret itself may still exist.
      if (name === "ResourceNotFoundException") return "not-current";
      if (GONE.has(name)) return { status: "missing", key, secretId };
      return { status: "error", key, secretId, reason: `GetSecretValue failed after retries: ${name}` };
    }
  }

  #toRead(key: AirflowKey, secretId: string, entry: Entry): SourceRead {
    const version: SourceVersion | undefined = entry.VersionId
      ? { id: entry.VersionId, ...(entry.CreatedDate ? { order: entry.CreatedDate.getTime() } : {}) }
      : undefined;
    const withVersion = version ? { version } : {};
    if (entry.SecretString === undefined) {
      const reason = entry.SecretBinary
        ? "binary secret (SecretBinary) is not supported: Airflow's SecretsManagerBackend reads SecretString only"
        : "the secret has no value";
      return { status: "invalid", key, secretId, reason, ...withVersion };
    }
    const raw = entry.SecretString;
    return readRawValue(key, secretId, () => this.#parse(key, raw), version);
  }

  #parse(key: AirflowKey, raw: string): AirflowValue {
    if (key.kind === "variable") return { kind: "variable", value: raw };
    const trimmed = raw.trim();
    if (!trimmed.startsWith("{")) return { kind: "connection", connection: parseConnectionValue(trimmed, { format: "uri" }) };
    const parsed = parseJsonKeys(trimmed);
    // AWS rotation functions write engine/host/username/password/dbname: read it as what it means.
    const format = parsed.has("engine") && parsed.has("dbname") && !parsed.has("conn_type") ? "rds" : "aws-secrets-manager";
    return { kind: "connection", connection: parseConnectionValue(trimmed, { format, backendKwargs: this.#kwargs }) };
  }
}

function parseJsonKeys(text: string): Set<string> {
  try {
    const value: unknown = JSON.parse(text);
    return new Set(typeof value === "object" && value !== null ? Object.keys(value) : []);
  } catch {
    return new Set(); // parseConnectionValue reports the JSON error
  }
}

/**
 * Hands a page to the caller in a later turn of the event loop, once the request for the next
 * page is on its way: the caller's work on it (hashing, planning) then overlaps that round trip
 * instead of delaying it. A caller that throws loses only its head start: the read goes on.
 */
function handOver(onPage: (reads: readonly SourceRead[]) => void, reads: readonly SourceRead[]): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      try {
        onPage(reads);
      } catch {
        // The whole read is still returned; `onPage` is only a head start.
      }
      resolve();
    }),
  );
}
