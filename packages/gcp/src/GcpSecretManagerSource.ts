import type { AirflowKey, AirflowValue, SourceVersion } from "@afsync/core";
import { InvalidValueError, keyString } from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import type { SecretIdMapping, SecretSource, SourceCapabilities, SourceRead } from "@afsync/core/ports/SecretSource";
import { mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import type { protos, SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { status } from "@grpc/grpc-js";
import type { CallOptions } from "google-gax";
import type { GcpSecretNaming } from "./GcpSecretNaming.ts";
import { gcpCallError, grpcCodeName, grpcCodeOf } from "./gcpCallFailure.ts";
import { DEFAULT_GCP_RETRY, type GcpRetryPolicy, retryGcpCall } from "./retryGcpCall.ts";
import { parseSecretResourceName, secretVersionName } from "./secretResourceName.ts";

export interface GcpSourceTuning {
  /** AccessSecretVersion calls in flight at once (the access quota is 90,000/min per project). */
  readonly concurrency: number;
  readonly retry: GcpRetryPolicy;
  /** ListSecrets page size (the service caps it at 25,000). */
  readonly listPageSize: number;
}

export const DEFAULT_GCP_TUNING: GcpSourceTuning = { concurrency: 16, retry: DEFAULT_GCP_RETRY, listPageSize: 1000 };

// Secret ids Secret Manager accepts; a listing prefix with other characters can match nothing.
const LISTABLE_PREFIX = /^[A-Za-z0-9_-]*$/;
// gax turns its own retries off with `retry: null`; retryGcpCall owns the policy.
const NO_GAX_RETRY: CallOptions = { retry: null };
const VERSION_STATES: Readonly<Record<number, string>> = { 1: "ENABLED", 2: "DISABLED", 3: "DESTROYED" };

type ListRequest = protos.google.cloud.secretmanager.v1.IListSecretsRequest;
type Access = { ok: true; version: string; data: Uint8Array } | { ok: false; read: SourceRead };

/**
 * Google Cloud Secret Manager read the way Airflow's `CloudSecretManagerBackend` reads it: the
 * secret id is `prefix + sep + key`, the value is the `latest` version's payload as UTF-8, a
 * connection is Airflow's JSON form when it starts with `{` and a URI otherwise. A full
 * reconciliation lists under the prefixes with a server-side filter and reads every match with
 * bounded concurrency; an event's version is read exactly, unless `latest` has moved past it.
 */
export class GcpSecretManagerSource implements SecretSource {
  readonly id: string;
  readonly provider = "gcp-secret-manager";
  // No batch read exists: `batchSize` only sizes the engine's groups, read concurrently here.
  // Version numbers restart when a secret is recreated, so they order nothing (see versionOf).
  readonly capabilities: SourceCapabilities = { batchSize: 50, orderedVersions: false };
  readonly #client: SecretManagerServiceClient;
  readonly #naming: GcpSecretNaming;
  readonly #tuning: GcpSourceTuning;

  constructor(id: string, client: SecretManagerServiceClient, naming: GcpSecretNaming, tuning: GcpSourceTuning = DEFAULT_GCP_TUNING) {
    this.id = id;
    this.#client = client;
    this.#naming = naming;
    this.#tuning = tuning;
  }

  get projectId(): string {
    return this.#naming.project.id;
  }

  secretIdFor(key: AirflowKey): string | null {
    return this.#naming.secretIdFor(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    return this.#naming.keysFor(secretId);
  }

  async readAll(): Promise<SourceRead[]> {
    const wanted: { key: AirflowKey; secretId: string }[] = [];
    for (const secretId of await this.#list()) {
      for (const key of this.#naming.keysFor(secretId).keys) wanted.push({ key, secretId });
    }
    const reads = await mapWithConcurrency(wanted, this.#tuning.concurrency, (w) => this.#readLatest(w.key, w.secretId));
    // A secret deleted between the listing and the read simply drops out of a full listing.
    return reads.filter((r) => r.status !== "missing");
  }

  async read(keys: readonly AirflowKey[], versions?: ReadonlyMap<string, string>): Promise<SourceRead[]> {
    return mapWithConcurrency(keys, this.#tuning.concurrency, async (key): Promise<SourceRead> => {
      const secretId = this.#naming.secretIdFor(key);
      if (secretId === null) return { status: "missing", key, secretId: "" };
      const pinned = versions?.get(keyString(key)) ?? versions?.get(secretId);
      const version = pinned === undefined ? undefined : versionNumberOf(pinned);
      return version === undefined ? this.#readLatest(key, secretId) : this.#readPinned(key, secretId, version);
    });
  }

  /** `afsync rollback`: the secret exactly at version N (a disabled or destroyed one reads as invalid, never as gone). */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    const secretId = this.#naming.secretIdFor(key);
    if (secretId === null) return { status: "missing", key, secretId: "" };
    const number = versionNumberOf(version);
    if (number === undefined)
      return { status: "error", key, secretId, reason: `'${version}' is not a Secret Manager version number (write N)` };
    const exact = await this.#access(key, secretId, number);
    return exact.ok ? this.#toRead(key, secretId, exact.version, exact.data) : exact.read;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  /** Short ids of every secret under the prefixes: one filtered listing, paged. */
  async #list(): Promise<string[]> {
    const prefixes = this.#naming.listingPrefixes().filter((p) => LISTABLE_PREFIX.test(p));
    if (prefixes.length === 0) return [];
    // `name:x` is a substring match on the name (Secret Manager's list filter): it narrows the
    // listing server-side, and the exact prefix test below keeps only what Airflow would read.
    const filter = prefixes.includes("") ? "" : prefixes.map((p) => `name:${p}`).join(" OR ");
    const parent = `projects/${this.projectId}`;
    const ids: string[] = [];
    let request: ListRequest | null = {
      parent,
      filter,
      pageSize: this.#tuning.listPageSize,
    };
    while (request !== null) {
      const current: ListRequest = request;
      let page: [protos.google.cloud.secretmanager.v1.ISecret[], ListRequest | null, unknown];
      try {
        page = await retryGcpCall(() => this.#client.listSecrets(current, { autoPaginate: false, ...NO_GAX_RETRY }), this.#tuning.retry);
      } catch (err) {
        // A failed listing must not look like "everything was deleted": fail the whole read.
        throw gcpCallError(`ListSecrets in ${parent} (source ${this.id})`, err);
      }
      const [secrets, next] = page;
      for (const s of secrets) {
        const parsed = typeof s.name === "string" ? parseSecretResourceName(s.name) : null;
        if (parsed && prefixes.some((p) => parsed.secret.startsWith(p))) ids.push(parsed.secret);
      }
      request = next?.pageToken ? { ...current, pageToken: next.pageToken } : null;
    }
    return ids;
  }

  async #readLatest(key: AirflowKey, secretId: string): Promise<SourceRead> {
    const latest = await this.#access(key, secretId, "latest");
    return latest.ok ? this.#toRead(key, secretId, latest.version, latest.data) : latest.read;
  }

  /**
   * The version an event named, read exactly, and `latest` beside it: Airflow reads `latest`, so
   * a late event for version 2 must not bring it back once version 3 exists, and enabling an old
   * version does not change what Airflow reads. Both are AccessSecretVersion calls (the large
   * access quota), made together.
   */
  async #readPinned(key: AirflowKey, secretId: string, version: string): Promise<SourceRead> {
    const [exact, latest] = await Promise.all([this.#access(key, secretId, version), this.#access(key, secretId, "latest")]);
    if (!latest.ok) return latest.read;
    if (Number(latest.version) > Number(version) || !exact.ok) return this.#toRead(key, secretId, latest.version, latest.data);
    return this.#toRead(key, secretId, exact.version, exact.data);
  }

  async #access(key: AirflowKey, secretId: string, version: string): Promise<Access> {
    const name = secretVersionName(this.projectId, secretId, version);
    try {
      const [response] = await retryGcpCall(() => this.#client.accessSecretVersion({ name }, NO_GAX_RETRY), this.#tuning.retry);
      const resolved = typeof response.name === "string" ? parseSecretResourceName(response.name)?.version : undefined;
      const data = response.payload?.data;
      const bytes = typeof data === "string" ? Buffer.from(data, "base64") : (data ?? new Uint8Array());
      return { ok: true, version: resolved ?? version, data: bytes };
    } catch (err) {
      const code = grpcCodeOf(err);
      // No such secret, or a secret without versions: Airflow's backend reads None.
      if (code === status.NOT_FOUND) return { ok: false, read: { status: "missing", key, secretId } };
      if (code === status.FAILED_PRECONDITION) return { ok: false, read: await this.#unreadableVersion(key, secretId, version) };
      return { ok: false, read: { status: "error", key, secretId, reason: `AccessSecretVersion failed: ${grpcCodeName(err)}` } };
    }
  }

  /**
   * Secret Manager refuses to serve a DISABLED or DESTROYED version (FAILED_PRECONDITION), and
   * `latest` is the newest version whatever its state, so Airflow's backend fails on this key
   * too. Reported as what it is — never as a deletion — so the last good value stays in place.
   */
  async #unreadableVersion(key: AirflowKey, secretId: string, version: string): Promise<SourceRead> {
    const name = secretVersionName(this.projectId, secretId, version);
    try {
      const [meta] = await retryGcpCall(() => this.#client.getSecretVersion({ name }, NO_GAX_RETRY), this.#tuning.retry);
      const number = typeof meta.name === "string" ? (parseSecretResourceName(meta.name)?.version ?? version) : version;
      const state = typeof meta.state === "number" ? (VERSION_STATES[meta.state] ?? String(meta.state)) : String(meta.state ?? "unknown");
      return {
        status: "invalid",
        key,
        secretId,
        reason: `${version === "latest" ? "the latest version" : "version"} ${number} is ${state}: Secret Manager refuses to serve it, so Airflow's backend cannot read this key either; the last good value stays`,
        ...versionOf(number),
      };
    } catch (err) {
      return {
        status: "error",
        key,
        secretId,
        reason: `version ${version} cannot be served and GetSecretVersion failed: ${grpcCodeName(err)}`,
      };
    }
  }

  #toRead(key: AirflowKey, secretId: string, version: string, data: Uint8Array): SourceRead {
    const withVersion = versionOf(version);
    let text: string;
    try {
      // Airflow decodes the payload with .decode("UTF-8"), which raises on anything else.
      text = new TextDecoder("utf-8", { fatal: true }).decode(data);
    } catch {
      return { status: "invalid", key, secretId, reason: "the payload is not UTF-8 text (Airflow decodes it as UTF-8)", ...withVersion };
    }
    try {
      return { status: "found", key, secretId, value: parseValue(key, text), ...withVersion };
    } catch (err) {
      if (!(err instanceof InvalidValueError)) throw err;
      return { status: "invalid", key, secretId, reason: err.message, ...withVersion };
    }
  }
}

/** BaseSecretsBackend.deserialize_connection: JSON when the value starts with `{`, else a URI. */
function parseValue(key: AirflowKey, raw: string): AirflowValue {
  if (key.kind === "variable") return { kind: "variable", value: raw };
  const trimmed = raw.trim();
  return { kind: "connection", connection: parseConnectionValue(trimmed, { format: trimmed.startsWith("{") ? "json" : "uri" }) };
}

/**
 * The version number as the id, with no `order`: numbers start again at 1 when a secret is
 * deleted and created again, so version 1 of the new secret is not older than version 5 of the
 * old one, and the engine, told it was, kept the deleted secret's value for good whenever it had
 * not seen the delete (GCP storm, seed 20261201). Nothing is lost without it: this source reads
 * `latest` beside any version an event names, so an older value never comes back.
 */
function versionOf(version: string): { version?: SourceVersion } {
  return /^\d+$/.test(version) ? { version: { id: version } } : {};
}

/** `3`, or `projects/…/secrets/…/versions/3` as the notification's `versionId` attribute carries it. */
function versionNumberOf(pinned: string): string | undefined {
  const version = pinned.startsWith("projects/") ? parseSecretResourceName(pinned)?.version : pinned;
  return version !== undefined && /^\d+$/.test(version) ? version : undefined;
}
