import {
  AfsyncError,
  type AirflowKey,
  type AirflowValue,
  type ApplyItemResult,
  type ApplyOutcome,
  type ApplyRequest,
  type DeploymentTarget,
  type KeyProblem,
  type KeyString,
  keyString,
  type Logger,
  RemoteCallError,
  type StateRecord,
  silentLogger,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";
import type { FetchLike } from "@afsync/http/FetchLike";
import type { RetryOptions } from "@afsync/http/retryingFetch";
import {
  changedRecords,
  DEFAULT_MANIFEST_OWNER,
  decodeManifest,
  encodeManifest,
  type ManifestOwners,
  mergeManifest,
  withOwnerRecords,
} from "./AstroManifest.ts";
import { createEnvironmentObjectClient } from "./astroClient.ts";
import { EnvironmentManifestLock } from "./EnvironmentManifestLock.ts";
import { EnvironmentObjectApi } from "./EnvironmentObjectApi.ts";
import {
  createBody,
  type EnvironmentObject,
  type EnvironmentScope,
  type LinkSettings,
  objectTypeOf,
  updateBody,
} from "./environmentObjectBodies.ts";
import { astroWriteLocks, type KeyedMutex } from "./KeyedMutex.ts";
import { secretFragments } from "./secretFragments.ts";

export const DEFAULT_ENVIRONMENT_MANIFEST_KEY = "AFSYNC_ENVIRONMENT_MANIFEST";

export interface AstroEnvironmentTargetOptions {
  readonly organizationId: string;
  /** Where the objects live: a Workspace (then linked to Deployments) or a single Deployment. */
  readonly scope: EnvironmentScope;
  readonly links?: Partial<LinkSettings>;
  /** Astro API base; the real one is `https://api.astronomer.io/v1`. */
  readonly apiUrl: string;
  readonly token: string;
  /** Key of the unlinked ENVIRONMENT_VARIABLE object that holds afsync's manifest. */
  readonly manifestKey?: string;
  /** Whose records in the manifest are "owned" here: the afsync Deployment id from the config. */
  readonly owner?: string;
  /** How long the manifest lock is held at most before another writer may take it (default 30 s). */
  readonly manifestLockTtlMs?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
  readonly locks?: KeyedMutex;
}

type ObjectIndex = Map<string, EnvironmentObject>;

/**
 * Astro Environment Manager objects (CONNECTION and AIRFLOW_VARIABLE) as the
 * `environment-manager` precedence layer. The API has no get-by-key and no upsert, so each write
 * lists the scope first and then creates or updates by id; updates always re-send `links`,
 * `excludeLinks` and `autoLinkDeployments`, which the API would otherwise clear.
 *
 * The API writes one object per call, so there is no atomic apply: the manifest (an unlinked
 * ENVIRONMENT_VARIABLE object no Deployment receives) is written last and records only what
 * landed. Secret values are masked on read, so drift is judged by afsync's keyed hashes.
 */
export class AstroEnvironmentTarget implements DeploymentTarget {
  readonly type = "astro-environment";
  readonly layer = "environment-manager" as const;
  // The API writes one object per call, but `apply` takes any number and reports per item, so
  // the engine hands over the whole plan and the manifest is written once per sync, not per key.
  readonly capabilities = { readsValues: false, holdsState: true, maxBatch: Number.MAX_SAFE_INTEGER, writeAheadManifest: true } as const;
  readonly describe: string;
  /** One scope's environment objects (a Workspace or a Deployment), however many Deployments of the config write it. */
  readonly claimScope: string;
  readonly #o: AstroEnvironmentTargetOptions;
  readonly #api: EnvironmentObjectApi;
  readonly #links: LinkSettings;
  readonly #manifestKey: string;
  readonly #owner: string;
  readonly #logger: Logger;
  readonly #locks: KeyedMutex;
  readonly #lock: EnvironmentManifestLock;
  #base: StateRecord[] | null | undefined;

  constructor(options: AstroEnvironmentTargetOptions) {
    this.#o = options;
    this.#api = new EnvironmentObjectApi(createEnvironmentObjectClient(options), options.organizationId, options.scope);
    this.#links = { linkDeployments: options.links?.linkDeployments ?? [], autoLink: options.links?.autoLink ?? false };
    if (options.scope.scope === "DEPLOYMENT" && (this.#links.autoLink || this.#links.linkDeployments.length > 0)) {
      throw new AfsyncError("INVALID_CONFIG", "links and auto-linking apply only to Workspace-scoped environment objects");
    }
    this.#manifestKey = options.manifestKey ?? DEFAULT_ENVIRONMENT_MANIFEST_KEY;
    this.#owner = options.owner ?? DEFAULT_MANIFEST_OWNER;
    this.#logger = options.logger ?? silentLogger;
    this.#locks = options.locks ?? astroWriteLocks;
    this.#lock = new EnvironmentManifestLock(this.#api, {
      key: `${this.#manifestKey}_LOCK`,
      scope: options.scope,
      logger: this.#logger,
      ...(options.manifestLockTtlMs === undefined ? {} : { ttlMs: options.manifestLockTtlMs }),
    });
    const where = `${options.scope.scope === "WORKSPACE" ? "Workspace" : "Deployment"} ${options.scope.scopeEntityId}`;
    this.claimScope = `astro-environment ${hostOf(options.apiUrl)} ${options.organizationId} ${where}`;
    this.describe = `Astro Environment Manager, ${where} (organization ${options.organizationId}) at ${hostOf(options.apiUrl)}`;
  }

  /** Objects are keyed by type and key, any string: only control characters are refused, as by every target. */
  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, { target: "astro-environment", nameOf: keyString });
  }

  async read(): Promise<TargetSnapshot> {
    const objects = await this.#api.list();
    const entries = new Map<KeyString, TargetEntry>();
    for (const o of objects) {
      if (o.objectType === "CONNECTION")
        entries.set(keyString({ kind: "connection", id: o.objectKey }), { key: { kind: "connection", id: o.objectKey } });
      if (o.objectType === "AIRFLOW_VARIABLE") {
        const key: AirflowKey = { kind: "variable", id: o.objectKey };
        const visible = o.airflowVariable !== undefined && !o.airflowVariable.isSecret ? o.airflowVariable.value : undefined;
        entries.set(keyString(key), visible === undefined ? { key } : { key, value: { kind: "variable", value: visible } });
      }
    }
    const manifest = this.#manifestIn(objects);
    this.#base = manifest;
    return { entries, manifest };
  }

  apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const lockKey = `${this.#o.apiUrl}|${this.#o.organizationId}|${this.#o.scope.scope}:${this.#o.scope.scopeEntityId}`;
    return this.#locks.run(lockKey, () => this.#applyLocked(request));
  }

  async #applyLocked(request: ApplyRequest): Promise<ApplyOutcome> {
    let calls = 0;
    const counted = <T>(p: Promise<T>) => {
      calls += 1;
      return p;
    };
    const objects = request.upserts.length + request.deletes.length > 0 ? await this.#api.list(undefined, () => (calls += 1)) : [];
    const index: ObjectIndex = new Map(objects.map((o) => [`${o.objectType}:${o.objectKey}`, o]));
    const results: ApplyItemResult[] = [];
    // The engine plans with checkKeys already; a direct caller must not write such a key either.
    const refused = new Map(this.checkKeys(request.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    for (const { key, value } of request.upserts) {
      const refusal = refused.get(keyString(key));
      if (refusal !== undefined) results.push({ key: keyString(key), ok: false, error: refusal });
      else results.push(await this.#item(key, () => this.#upsert(key, value, index, counted)));
    }
    for (const key of request.deletes) {
      results.push(await this.#item(key, () => this.#delete(key, index, counted)));
    }
    calls += await this.#writeManifest(request.manifest, results);
    return { results, calls };
  }

  async #item(key: AirflowKey, run: () => Promise<void>): Promise<ApplyItemResult> {
    try {
      await run();
      return { key: keyString(key), ok: true };
    } catch (e) {
      const message = e instanceof AfsyncError ? e.message : "unexpected error";
      this.#logger.log("warn", "astro-environment: write failed", { key: keyString(key), error: message });
      return { key: keyString(key), ok: false, error: message };
    }
  }

  async #upsert(key: AirflowKey, value: AirflowValue, index: ObjectIndex, counted: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    const type = objectTypeOf(value);
    const sent = secretFragments(value);
    const existing = index.get(`${type}:${key.id}`);
    if (existing !== undefined && (await counted(this.#api.update(existing, updateBody(existing, value, this.#links), sent))) === "updated")
      return;
    const created = await counted(this.#api.create(createBody(key.id, value, this.#o.scope, this.#links), sent));
    if (created === "created") return;
    // Created by someone else since the list (or by our own first attempt): find it, update it.
    const [found] = await this.#api.list({ objectKey: key.id, objectType: type });
    if (found === undefined) throw new RemoteCallError(`CreateEnvironmentObject ${key.id} answered 409 but no such object is listed`);
    await counted(this.#api.update(found, updateBody(found, value, this.#links), sent));
  }

  async #delete(key: AirflowKey, index: ObjectIndex, counted: <T>(p: Promise<T>) => Promise<T>): Promise<void> {
    const existing = index.get(`${key.kind === "connection" ? "CONNECTION" : "AIRFLOW_VARIABLE"}:${key.id}`);
    if (existing !== undefined) await counted(this.#api.delete(existing));
  }

  /**
   * Writes the manifest after the values, recording only what landed: a failed item keeps the
   * record the engine planned against. The read-merge-write runs under the scope's manifest lock
   * (EnvironmentManifestLock): the object has no ETag, so two writers merging at once would
   * otherwise replace each other's records.
   */
  async #writeManifest(planned: readonly StateRecord[], results: readonly ApplyItemResult[]): Promise<number> {
    const failed = new Set(results.filter((r) => !r.ok).map((r) => r.key));
    const baseBy = new Map((this.#base ?? []).map((r) => [r.key, r]));
    const ours = [...planned.filter((r) => !failed.has(r.key)), ...[...failed].flatMap((k) => baseBy.get(k) ?? [])];
    const manifestFilter = { objectKey: this.#manifestKey, objectType: "ENVIRONMENT_VARIABLE" as const };
    let calls = 0;
    const mergedText = (current: EnvironmentObject | undefined) => {
      // Only this owner's records are merged; every other owner's are kept as they are now.
      const owners = current === undefined ? new Map() : this.#decode(current);
      return encodeManifest(withOwnerRecords(owners, this.#owner, mergeManifest(this.#base, ours, owners.get(this.#owner) ?? null)));
    };
    const unchanged = (current: EnvironmentObject | undefined, text: string | null) =>
      text === (current === undefined ? null : current.environmentVariable?.value);
    // Nothing of this writer's changed (a value re-written as it was recorded): one read shows
    // whether the manifest still says so, and the lock is taken only if it does not.
    if (changedRecords(this.#base, ours).size === 0 && (this.#base ?? []).length === ours.length) {
      const [current] = await this.#api.list(manifestFilter);
      calls += 1;
      if (unchanged(current, mergedText(current))) return calls;
    }
    await this.#lock.hold(
      async (stillHeld) => {
        const [current] = await this.#api.list(manifestFilter);
        calls += 1;
        const text = mergedText(current);
        if (unchanged(current, text)) return;
        if (!(await stillHeld())) throw this.#manifestRaced("the manifest lock expired before the write");
        calls += 1;
        if ((await this.#putManifest(current, text)) === "raced") throw this.#manifestRaced("another writer changed it outside the lock");
      },
      () => (calls += 1),
    );
    // The base of the next write is this writer's own view (what it planned and wrote), never the
    // merge: another writer's records in it would read as this writer removing them.
    this.#base = ours;
    return calls;
  }

  #manifestRaced(why: string): RemoteCallError {
    return new RemoteCallError(
      `the afsync manifest ${this.#manifestKey} was not written (${why}); values were written, the run will be retried`,
      {
        errorClass: "transient",
      },
    );
  }

  /** The manifest object is linked to nothing, so no Deployment receives it as a variable. */
  async #putManifest(current: EnvironmentObject | undefined, text: string | null): Promise<"written" | "raced"> {
    if (text === null) {
      if (current !== undefined) await this.#api.delete(current);
      return "written";
    }
    const unlinked = this.#o.scope.scope === "WORKSPACE" ? { autoLinkDeployments: false, links: [], excludeLinks: [] } : {};
    if (current === undefined) {
      const created = await this.#api.create(
        {
          objectKey: this.#manifestKey,
          objectType: "ENVIRONMENT_VARIABLE",
          ...this.#o.scope,
          description: "afsync ownership manifest: which keys afsync manages here. Do not edit or link.",
          environmentVariable: { value: text, isSecret: false },
          ...unlinked,
        },
        [],
      );
      return created === "created" ? "written" : "raced";
    }
    const updated = await this.#api.update(current, { environmentVariable: { value: text }, ...unlinked }, []);
    return updated === "updated" ? "written" : "raced";
  }

  #manifestIn(objects: readonly EnvironmentObject[]): StateRecord[] | null {
    const found = objects.find((o) => o.objectType === "ENVIRONMENT_VARIABLE" && o.objectKey === this.#manifestKey);
    return found === undefined ? null : (this.#decode(found).get(this.#owner) ?? null);
  }

  #decode(object: EnvironmentObject): ManifestOwners {
    const value = object.environmentVariable;
    if (value === undefined || value.isSecret || value.value === undefined) {
      throw new RemoteCallError(`${this.#manifestKey} in ${this.describe} was made secret, so afsync cannot read what it owns`, {
        errorClass: "user",
      });
    }
    return decodeManifest(value.value, `${this.#manifestKey} (${this.describe})`);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid URL";
  }
}
