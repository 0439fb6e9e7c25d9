import type { AirflowKey, AirflowValue } from "@afsync/core";
import { ConfigError, InvalidValueError, keyString, RemoteCallError } from "@afsync/core";
import type { VaultSecretId } from "@afsync/core/formats/backendNaming";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { parseVariableValue } from "@afsync/core/formats/variableValue";
import type { ChangeSubscription, ChangeSubscriptionHandlers, SubscribableSource } from "@afsync/core/ports/ChangeSubscription";
import type { ListedVersion, SecretIdMapping, SourceCapabilities, SourceRead } from "@afsync/core/ports/SecretSource";
import { mapWithConcurrency } from "@afsync/core/source/mapWithConcurrency";
import { vaultCallError } from "./VaultHttpClient.ts";
import type { VaultNaming } from "./VaultNaming.ts";
import type { VaultTokenSession } from "./VaultTokenSession.ts";

/** What KV v2 metadata says of a secret's current version, without reading its value. */
export interface VaultVersionEntry {
  readonly secretId: string;
  readonly keys: readonly AirflowKey[];
  readonly currentVersion: number;
  /** `deleted`: soft-deleted (undeletable); `destroyed`: its data is gone for good. Either way Airflow reads nothing. */
  readonly state: "current" | "deleted" | "destroyed";
  readonly updatedTime?: string;
  /** When the current version was written: with the number, what tells a recreated secret's version 1 from the old one. */
  readonly createdTime?: string;
}

// Vault has no batch read: one GET per secret, this many at a time.
const CONCURRENCY = 8;
const BATCH_SIZE = 50;

type ReadOne =
  | { status: "found"; data: Record<string, unknown>; version?: number; createdTime?: string }
  | { status: "missing" }
  | { status: "error"; reason: string };

/**
 * HashiCorp Vault's KV engine (v1 or v2) read the way Airflow's `VaultBackend` reads it: a key
 * lives at `<mount>/<base>/<key>` (multi-team: the team's path first), a connection is a dict of
 * fields or `conn_uri`, a variable the dict's `value`. A full read LISTs the base paths
 * recursively (a conn id may contain `/`), then reads each secret. With KV v2, `listVersions()`
 * reads only metadata, so a caller can skip values whose current version it already applied.
 */
// A KV v2 version id is `<number>@<created_time>`: the number alone restarts at 1 when a
// secret's metadata is deleted and it is written again, and a listing compared on the number
// alone would then miss the new value.
export class VaultSource implements SubscribableSource {
  readonly id: string;
  readonly provider = "vault";
  readonly capabilities: SourceCapabilities;
  readonly changeEvents: SubscribableSource["changeEvents"];
  readonly #session: VaultTokenSession;
  readonly #naming: VaultNaming;
  readonly #kvVersion: 1 | 2;
  readonly #now: () => number;

  constructor(
    id: string,
    session: VaultTokenSession,
    naming: VaultNaming,
    kvVersion: 1 | 2,
    options: { readonly events?: "off" | "websocket"; readonly now?: () => number } = {},
  ) {
    this.id = id;
    this.#session = session;
    this.#naming = naming;
    this.#kvVersion = kvVersion;
    this.#now = options.now ?? Date.now;
    this.capabilities = { batchSize: BATCH_SIZE, orderedVersions: kvVersion === 2, listsVersions: kvVersion === 2 };
    this.changeEvents =
      options.events === "websocket"
        ? { enabled: true }
        : { enabled: false, why: "not enabled: set `events: websocket` on the source (Vault Enterprise 1.16+)" };
  }

  /**
   * Subscribes to Vault's KV event notifications for `afsync serve`. The WebSocket client loads
   * only here, so the Lambda and function bundles that never subscribe do not carry it.
   */
  async subscribe(handlers: ChangeSubscriptionHandlers): Promise<ChangeSubscription> {
    const { VaultEventSubscription } = await import("./events/VaultEventSubscription.ts");
    const subscription = new VaultEventSubscription({
      session: this.#session,
      onHints: (hints) => handlers.onHints(hints.map((h) => ({ ...h, sourceId: this.id }))),
      onReconnect: handlers.onReconnect,
      onStateChange: handlers.onState,
      ...(handlers.onError !== undefined ? { onError: handlers.onError } : {}),
    });
    void subscription.start();
    return subscription;
  }

  secretIdFor(key: AirflowKey): string | null {
    return this.#naming.secretIdFor(key);
  }

  keysFor(secretId: string): SecretIdMapping {
    return this.#naming.keysFor(secretId);
  }

  async readAll(): Promise<SourceRead[]> {
    const listed = await this.#listAll();
    const keys = new Map<string, AirflowKey>();
    for (const { keys: mapped } of listed) for (const key of mapped) keys.set(keyString(key), key);
    // A secret deleted between the listing and the read simply drops out of a full listing.
    return (await this.read([...keys.values()])).filter((r) => r.status !== "missing");
  }

  async read(keys: readonly AirflowKey[]): Promise<SourceRead[]> {
    return mapWithConcurrency(keys, CONCURRENCY, (key) => this.#readKey(key));
  }

  /**
   * KV v2 only: each key with the version its lookup would read (the team path before the
   * global one, a soft-deleted or destroyed current version reading as nothing, as Airflow
   * reads it), from metadata alone: a LIST per folder and a metadata GET per secret, no value.
   */
  async listVersions(): Promise<ListedVersion[]> {
    const entries = await this.listMetadata();
    const current = new Map<string, VaultVersionEntry>();
    for (const e of entries) if (e.state === "current") current.set(e.secretId, e);
    const out: ListedVersion[] = [];
    const seen = new Set<string>();
    for (const e of entries) {
      for (const key of e.keys) {
        const ks = keyString(key);
        if (seen.has(ks)) continue;
        const holder = this.#naming
          .lookupOrder(key)
          .map((l) => current.get(this.#naming.idOf(l)))
          .find((h) => h !== undefined);
        if (holder === undefined) continue;
        seen.add(ks);
        out.push({ key, secretId: holder.secretId, version: kvVersionOf(holder.currentVersion, holder.createdTime) });
      }
    }
    return out;
  }

  /**
   * KV v2 only: every secret under the base paths with its current version, from metadata alone
   * (no secret value is read). A soft-deleted or destroyed current version is reported as such.
   */
  async listMetadata(): Promise<VaultVersionEntry[]> {
    if (this.#kvVersion !== 2) throw new ConfigError("kv_engine_version", "listing versions needs KV version 2 (KV v1 keeps no versions)");
    const listed = await this.#listAll();
    const entries = await mapWithConcurrency(listed, CONCURRENCY, async ({ location, keys }): Promise<VaultVersionEntry | null> => {
      const secretId = this.#naming.idOf(location);
      const response = await this.#session.send({ method: "GET", path: `${location.mount_point}/metadata/${encodePath(location.path)}` });
      if (response.status === 404) return null;
      if (response.status !== 200) throw vaultCallError(`Vault metadata read of ${secretId} (source ${this.id})`, response);
      const data = objectAt(response.body, "data");
      const current = typeof data?.current_version === "number" ? data.current_version : 0;
      const version = objectAt(objectAt(data, "versions"), String(current));
      const deletionTime = typeof version?.deletion_time === "string" ? version.deletion_time : "";
      const state =
        version?.destroyed === true ? "destroyed" : deletionTime !== "" && Date.parse(deletionTime) <= this.#now() ? "deleted" : "current";
      const updatedTime = typeof data?.updated_time === "string" ? data.updated_time : undefined;
      const createdTime = typeof version?.created_time === "string" ? version.created_time : undefined;
      return {
        secretId,
        keys,
        currentVersion: current,
        state,
        ...(updatedTime ? { updatedTime } : {}),
        ...(createdTime ? { createdTime } : {}),
      };
    });
    return entries.filter((e): e is VaultVersionEntry => e !== null);
  }

  /**
   * `afsync rollback` (KV v2 only; v1 keeps no versions): the secret at version N, written `N`
   * or as afsync records it (`N@<created_time>`), at the first path of the key's lookup order
   * that holds that version. A soft-deleted or destroyed version reads as missing (HTTP 404).
   */
  async readVersion(key: AirflowKey, version: string): Promise<SourceRead> {
    if (this.#kvVersion !== 2) throw new ConfigError("kv_engine_version", "KV version 1 keeps no versions to roll back to");
    const number = /^(\d+)(?:@.*)?$/.exec(version)?.[1];
    const order = this.#naming.lookupOrder(key);
    const secretId = order[0] === undefined ? "" : this.#naming.idOf(order[0]);
    if (number === undefined) return { status: "error", key, secretId, reason: `'${version}' is not a KV version number (write N)` };
    for (const location of order) {
      const one = await this.#readLocation(location, number);
      if (one.status === "missing") continue;
      const id = this.#naming.idOf(location);
      if (one.status === "error") return { status: "error", key, secretId: id, reason: one.reason };
      const read = one.version !== undefined ? { version: kvVersionOf(one.version, one.createdTime) } : {};
      try {
        return { status: "found", key, secretId: id, value: toValue(key, one.data), ...read };
      } catch (err) {
        if (!(err instanceof InvalidValueError)) throw err;
        return { status: "invalid", key, secretId: id, reason: err.message, ...read };
      }
    }
    return { status: "missing", key, secretId };
  }

  async #readKey(key: AirflowKey): Promise<SourceRead> {
    const order = this.#naming.lookupOrder(key);
    const [first] = order;
    if (first === undefined) return { status: "missing", key, secretId: "" };
    // Multi-team: the team's path wins; the global path is read only when the team has none.
    for (const location of order) {
      const secretId = this.#naming.idOf(location);
      const one = await this.#readLocation(location);
      if (one.status === "missing") continue;
      if (one.status === "error") return { status: "error", key, secretId, reason: one.reason };
      const version = one.version !== undefined ? { version: kvVersionOf(one.version, one.createdTime) } : {};
      try {
        return { status: "found", key, secretId, value: toValue(key, one.data), ...version };
      } catch (err) {
        if (!(err instanceof InvalidValueError)) throw err;
        return { status: "invalid", key, secretId, reason: err.message, ...version };
      }
    }
    return { status: "missing", key, secretId: this.#naming.idOf(first) };
  }

  async #readLocation(location: VaultSecretId, version?: string): Promise<ReadOne> {
    const mount = location.mount_point ?? "";
    const path = encodePath(location.path);
    const apiPath =
      this.#kvVersion === 2 ? `${mount}/data/${path}${version === undefined ? "" : `?version=${version}`}` : `${mount}/${path}`;
    let response: Awaited<ReturnType<VaultTokenSession["send"]>>;
    try {
      response = await this.#session.send({ method: "GET", path: apiPath });
    } catch (err) {
      if (err instanceof RemoteCallError) return { status: "error", reason: err.message };
      throw err;
    }
    // KV v2 answers 404 for a soft-deleted or destroyed current version too; Airflow reads None then.
    if (response.status === 404) return { status: "missing" };
    if (response.status !== 200)
      return { status: "error", reason: vaultCallError(`Vault read of ${mount}/${location.path}`, response).message };
    const outer = objectAt(response.body, "data");
    if (this.#kvVersion === 1) return outer ? { status: "found", data: outer } : { status: "missing" };
    const data = objectAt(outer, "data");
    const metadata = objectAt(outer, "metadata");
    if (data === null) return { status: "missing" };
    const createdTime = typeof metadata?.created_time === "string" ? { createdTime: metadata.created_time } : {};
    return { status: "found", data, ...(typeof metadata?.version === "number" ? { version: metadata.version, ...createdTime } : {}) };
  }

  async #listAll(): Promise<{ location: VaultSecretId; keys: AirflowKey[] }[]> {
    const mount = this.#naming.mountPoint;
    if (mount === null) {
      throw new ConfigError(
        "mount_point",
        "a full read needs mount_point: with mount_point null each key names its own mount, which cannot be listed",
      );
    }
    const out = new Map<string, { location: VaultSecretId; keys: AirflowKey[] }>();
    const bases = new Set<string>();
    for (const kind of ["connection", "variable"] as const) {
      const base = this.#naming.basePath(kind);
      if (base !== null) bases.add(base);
    }
    for (const base of bases) {
      for (const path of await this.#listRecursive(mount, base)) {
        const location: VaultSecretId = { mount_point: mount, path };
        const secretId = this.#naming.idOf(location);
        // Keep a listed secret only for keys whose lookup actually reads it (not a config secret, not shadowed).
        const keys = this.#naming
          .keysFor(secretId)
          .keys.filter((k) => this.#naming.lookupOrder(k).some((l) => this.#naming.idOf(l) === secretId));
        if (keys.length > 0) out.set(secretId, { location, keys });
      }
    }
    return [...out.values()];
  }

  async #listRecursive(mount: string, folder: string): Promise<string[]> {
    const apiPath = this.#kvVersion === 2 ? `${mount}/metadata/${encodePath(folder)}` : `${mount}/${encodePath(folder)}`;
    const response = await this.#session.send({ method: "LIST", path: apiPath.endsWith("/") ? apiPath : `${apiPath}/` });
    // LIST answers 404 for an empty or absent folder.
    if (response.status === 404) return [];
    // A failed listing must not look like "everything was deleted": fail the whole read.
    if (response.status !== 200) throw vaultCallError(`Vault LIST of ${mount}/${folder} (source ${this.id})`, response);
    const keys = objectAt(response.body, "data")?.keys;
    if (!Array.isArray(keys)) return [];
    const prefix = folder === "" ? "" : `${folder}/`;
    const paths: string[] = [];
    for (const k of keys) {
      if (typeof k !== "string" || k === "") continue;
      // Keys ending in "/" are folders; a name can be both a secret and a folder ("foo" and "foo/").
      if (k.endsWith("/")) paths.push(...(await this.#listRecursive(mount, `${prefix}${k.slice(0, -1)}`)));
      else paths.push(`${prefix}${k}`);
    }
    return paths;
  }
}

function toValue(key: AirflowKey, data: Record<string, unknown>): AirflowValue {
  if (key.kind === "variable") return { kind: "variable", value: parseVariableValue(data, { format: "vault" }) };
  return { kind: "connection", connection: parseConnectionValue(data, { format: "vault" }) };
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function objectAt(value: unknown, field: string): Record<string, unknown> | null {
  if (typeof value !== "object" || value === null) return null;
  const v = (value as Record<string, unknown>)[field];
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * Ordered by `created_time`, not the number: KV v2 numbers versions from 1 again after a metadata
 * delete, so a recreated secret's value would look older than the one afsync applied before and
 * be kept out for ever (test/kvVersionRestart.test.ts). Two versions within one millisecond
 * compare equal, which the engine never takes for "older".
 */
function kvVersionOf(number: number, createdTime: string | undefined): { id: string; order: number } {
  const created = createdTime === undefined ? Number.NaN : Date.parse(createdTime);
  return {
    id: createdTime === undefined ? String(number) : `${number}@${createdTime}`,
    order: Number.isNaN(created) ? number : created,
  };
}
