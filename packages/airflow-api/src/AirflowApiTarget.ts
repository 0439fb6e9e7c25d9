/**
 * A Deployment's metadata DB, reached through the Airflow REST API (`/api/v1` for Airflow 2,
 * `/api/v2` for Airflow 3): the lowest precedence layer, and what the Airflow UI shows under
 * Admin → Connections / Variables.
 *
 * The API redacts secrets on read, so `read` reports presence only and afsync compares by the
 * keyed hashes it recorded, never by values it read (writing back a read `***` would destroy a
 * secret). Those records live in the Deployment itself (`state: manifest`, the default): one
 * Airflow variable, written in the same bulk call as the values where v2 allows, right after
 * them on v1, and always describing what was really written (a failed key keeps its old record).
 */
import { randomBytes } from "node:crypto";
import type { AirflowKey, KeyProblem, KeyString, Logger, StateRecord } from "@afsync/core";
import { keyString, RemoteCallError } from "@afsync/core";
import { PENDING_HASH } from "@afsync/core/engine/applyPlan";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";
import type {
  ApplyItemResult,
  ApplyOutcome,
  ApplyRequest,
  DeploymentTarget,
  StringPool,
  TargetCapabilities,
  TargetSnapshot,
} from "@afsync/core/ports/DeploymentTarget";
import { PresentKeys } from "@afsync/core/ports/PresentKeys";
import type { FetchLike } from "@afsync/http/FetchLike";
import type { GetText } from "@afsync/http/GetText";
import { getTextOverFetch } from "@afsync/http/getTextOverFetch";
import { createNodeHttpGet } from "@afsync/http/nodeHttpGet";
import { type RetryOptions, retryingFetch, retryingGet } from "@afsync/http/retryingFetch";
import type { AirflowApi, ConnectionWrite, ItemResult, ListedVariables, VariableWrite } from "./AirflowApi.ts";
import { createAirflowV1Api } from "./AirflowV1Api.ts";
import { createAirflowV2Api } from "./AirflowV2Api.ts";
import { airflowApiKeyRules } from "./airflowApiKeyRules.ts";
import { type AirflowAuth, createAirflowAuthorization } from "./authenticatingFetch.ts";
import { connectionBody, connectionSecrets } from "./connectionBody.ts";
import { detectApiVersion } from "./detectApiVersion.ts";
import { foldLockId, ManifestFoldLock } from "./ManifestFoldLock.ts";
import {
  foldManifest,
  isManifestVariable,
  loadManifestLog,
  type ManifestDelta,
  type ManifestLog,
  type ManifestWritePlan,
  manifestDelta,
  planManifestSegment,
  planManifestWrite,
} from "./manifestLog.ts";
import { failManifest, settleManifest } from "./settleManifest.ts";
import { MANIFEST_DESCRIPTION } from "./targetManifest.ts";

/**
 * This target's retry settings. Every wait is bounded by `maxDelayMs`, a `Retry-After`
 * included: a longer one is cut down to it rather than ending the call (`clamp`).
 */
export const AIRFLOW_API_RETRY = {
  maxAttempts: 5,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  longRetryAfter: "clamp",
} as const satisfies RetryOptions;

export interface AirflowApiTargetConfig {
  /** The Deployment's URL as the user knows it (shown in reports; credentials stripped). */
  readonly url: string;
  /** Where requests go instead of `url` (a proxy, or an emulator in tests). */
  readonly apiUrl?: string;
  readonly apiVersion: 1 | 2 | "auto";
  readonly auth: AirflowAuth;
  readonly state: "manifest" | "none";
  readonly manifestVariable: string;
  readonly pageLimit: number;
  /** Entities per v2 bulk call. */
  readonly batchSize: number;
  /** v1 calls in flight at once within a batch (default 1). */
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
  /** The transport under retries and auth, list pages included; by default `globalThis.fetch`, and node:http for list pages. */
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
}

export class AirflowApiTarget implements DeploymentTarget {
  readonly type = "airflow-api";
  readonly layer = "metadata-db" as const;
  readonly #config: AirflowApiTargetConfig;
  readonly #fetch: FetchLike;
  /** The list GETs: the same retries and credentials as `#fetch`, without a `Request` per page. */
  readonly #get: GetText;
  readonly #root: string;
  #api: Promise<AirflowApi> | undefined;
  #version: 1 | 2 | undefined;
  #calls = 0;
  /** The manifest log as last read or written: a failed key falls back to its record here. */
  #manifest: ManifestLog | null | undefined;
  /**
   * Keys the last read saw (kept up to date by applies): which first call an upsert makes on v1.
   * Not kept on v2, whose bulk calls do not ask (10,000 keys held about 0.6 MB per target).
   */
  #present: Set<KeyString> | undefined;
  readonly #foldLock: ManifestFoldLock;

  constructor(config: AirflowApiTargetConfig) {
    this.#config = config;
    this.#foldLock = new ManifestFoldLock(
      foldLockId(config.manifestVariable),
      config.logger === undefined ? {} : { logger: config.logger },
    );
    this.#root = rootUrl(config.apiUrl ?? config.url);
    const base = config.fetch ?? ((request: Request) => globalThis.fetch(request));
    const counted: FetchLike = (request) => {
      this.#calls += 1;
      return base(request);
    };
    const logger = config.logger;
    const retry: RetryOptions = {
      ...AIRFLOW_API_RETRY,
      ...config.retry,
      onRetry: (info) => {
        config.retry?.onRetry?.(info);
        logger?.log("warn", "airflow-api: retrying", {
          target: this.describe,
          attempt: info.attempt,
          status: info.status,
          delayMs: info.delayMs,
        });
      },
    };
    const authorization = createAirflowAuthorization(retryingFetch(counted, retry), config.auth, this.#root);
    this.#fetch = authorization.fetch;
    // List pages, thousands a run, skip `fetch`'s per-call objects (node:http, `createNodeHttpGet`)
    // unless a transport was given, which then carries them too; same retries, token and count.
    const baseGet = config.fetch === undefined ? createNodeHttpGet() : getTextOverFetch(config.fetch);
    const countedGet: GetText = (url, headers) => {
      this.#calls += 1;
      return baseGet(url, headers);
    };
    this.#get = authorization.get(retryingGet(countedGet, retry));
    if (config.apiVersion !== "auto") this.#version = config.apiVersion;
  }

  get describe(): string {
    return `${displayUrl(this.#config.url)} (Airflow REST API ${this.#version === undefined ? "auto" : `v${this.#version}`})`;
  }

  /** One Airflow, whichever spelling of its URL (credentials, trailing slash, `/api/v1`) a config uses. */
  get claimScope(): string {
    return `airflow-api ${claimUrl(this.#root)}`;
  }

  get capabilities(): TargetCapabilities {
    return {
      readsValues: false,
      holdsState: this.#config.state === "manifest",
      // One `apply` takes a whole batch on both versions (v1 then writes it key by key), so the
      // engine sends a batch per apply and the manifest is written once per batch, not per key.
      maxBatch: this.#config.batchSize,
      // Airflow 2 writes each value and then the manifest in calls of their own, so creates are
      // recorded ahead. Airflow 3 writes the manifest's change in the variables' bulk call, made
      // before the connections' (a record ahead of its key is repaired by the next run; a key
      // ahead of its record would be a conflict), so it needs no extra call. Unknown version: ahead.
      writeAheadManifest: this.#config.state === "manifest" && this.#version !== 2,
    };
  }

  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, airflowApiKeyRules(this.#config.state === "manifest" ? this.#config.manifestVariable : null));
  }

  async read(strings?: StringPool): Promise<TargetSnapshot> {
    const api = await this.#resolveApi();
    const manifestOn = this.#config.state === "manifest";
    const isManifest = (key: string) => manifestOn && isManifestVariable(this.#config.manifestVariable, key);
    // The ids are kept as the run's copies (`strings`): the parser's fresh ones die with their page.
    const intern = strings === undefined ? undefined : (text: string) => strings.one(text);
    // Only the manifest's own variables keep their values from the listing: nothing else here
    // reads a variable's value, and 10,000 of them would be held while the pages arrive.
    const [listedIds, variables] = await Promise.all([api.listConnectionIds(intern), api.listVariables(isManifest, intern)]);
    // The fold lock is afsync's bookkeeping too, present only while a writer folds.
    const connectionIds = manifestOn ? listedIds.filter((id) => id !== this.#foldLock.id) : listedIds;
    // afsync's own bookkeeping is neither a conflict nor a key to sync.
    const variableKeys: string[] = [];
    for (const key of variables.keys) if (!isManifest(key)) variableKeys.push(key);
    // Targets that list the same ids share one key set (the run's), so the engine can keep them all.
    const entries = strings?.presentKeys?.(connectionIds, variableKeys) ?? new PresentKeys(connectionIds, variableKeys);
    this.#present = api.version === 1 ? new Set(entries.keys()) : undefined;
    if (this.#config.state !== "manifest") return { entries };
    this.#manifest = await this.#readManifest(api, variables);
    return { entries, manifest: this.#manifest === null ? null : [...this.#manifest.records.values()] };
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    try {
      return await this.#apply(request);
    } finally {
      // A fold of this apply is over, landed or not.
      await this.#foldLock.release();
    }
  }

  async #apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const callsBefore = this.#calls;
    const api = await this.#resolveApi();
    const manifestOn = this.#config.state === "manifest";
    if (manifestOn && this.#manifest === undefined) this.#manifest = await this.#readManifest(api, await api.listVariables());
    const results = new Map<KeyString, ApplyItemResult>();
    const record = (kind: AirflowKey["kind"], items: readonly ItemResult[]) => {
      for (const r of items) {
        const key = keyString({ kind, id: r.id });
        results.set(key, r.ok ? { key, ok: true } : { key, ok: false, error: r.error ?? "failed" });
      }
    };

    const connWrites: ConnectionWrite[] = [];
    const varWrites: VariableWrite[] = [];
    // The engine plans with checkKeys already; a direct caller must not send such a key either.
    const refused = new Map(this.checkKeys(request.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    for (const { key, value } of request.upserts) {
      const refusal = refused.get(keyString(key));
      if (refusal !== undefined) {
        record(key.kind, [{ id: key.id, ok: false, error: refusal }]);
      } else if (manifestOn && key.kind === "variable" && isManifestVariable(this.#config.manifestVariable, key.id)) {
        record("variable", [
          {
            id: key.id,
            ok: false,
            error: `'${key.id}' is the variable afsync keeps its manifest in; rename the key or set manifest_variable`,
          },
        ]);
      } else if (value.kind === "connection" && key.kind === "connection") {
        const body = connectionBody(key.id, value.connection);
        if ("error" in body) record("connection", [{ id: key.id, ok: false, error: body.error }]);
        else connWrites.push({ body, secrets: connectionSecrets(value.connection) });
      } else if (value.kind === "variable" && key.kind === "variable") {
        varWrites.push({ key: key.id, value: value.value, secrets: [value.value] });
      } else {
        record(key.kind, [{ id: key.id, ok: false, error: `a ${value.kind} value cannot be written to ${keyString(key)}` }]);
      }
    }
    const present = this.#present;
    const known = (kind: AirflowKey["kind"]) => (id: string) => present?.has(keyString({ kind, id }));
    const connDeletes = request.deletes.filter((k) => k.kind === "connection").map((k) => k.id);
    const varDeletes = request.deletes
      .filter((k) => k.kind === "variable" && !(manifestOn && isManifestVariable(this.#config.manifestVariable, k.id)))
      .map((k) => k.id);

    const writeConnections = async (writes: readonly ConnectionWrite[], deletes: readonly string[], recordedAhead: boolean) => {
      // A connection is never created before its record: without it, the key would be a conflict.
      if (!recordedAhead)
        record(
          "connection",
          writes.map((w) => ({
            id: w.body.connection_id,
            ok: false,
            error: "not written: afsync's manifest could not record it first",
          })),
        );
      const sent = recordedAhead ? writes : [];
      if (sent.length > 0 || deletes.length > 0) record("connection", await api.writeConnections(sent, deletes, known("connection")));
    };
    // Airflow 3 with a manifest orders its connection writes around the variables' bulk call (below).
    if (!(manifestOn && api.version === 2)) await writeConnections(connWrites, connDeletes, true);

    if (!manifestOn) {
      if (varWrites.length > 0 || varDeletes.length > 0)
        record("variable", await api.writeVariables(varWrites, varDeletes, known("variable")));
      return this.#outcome(request, results, callsBefore);
    }

    // Deltas are taken against this run's own view of the manifest (what it read, then what it
    // wrote), never against records another writer added meanwhile: those stay as they are.
    const log = this.#manifest ?? null;
    const previous = log === null ? null : [...log.records.values()];
    let current = log;
    let view: ReadonlyMap<KeyString, StateRecord> = log?.records ?? new Map();
    const planFor = (records: readonly StateRecord[]) => {
      const delta = manifestDelta(view, records);
      return delta === null ? null : this.#planDelta(api, current, delta);
    };
    const landed = async (plan: ManifestWritePlan, records: readonly StateRecord[]) => {
      current = plan.next;
      view = new Map(records.map((r) => [r.key, r]));
      await this.#deleteFolded(api, plan);
    };
    if (api.version === 2) {
      // v2: the manifest's change rides in the same bulk call as the variables. A connection
      // afsync already owns is written (or deleted) before that call, so its record never runs
      // ahead of its value: a process killed in between leaves the old record, which the next
      // run rewrites, where a record of a value that never landed would be called unchanged for
      // ever (GCP storm, seed 1657217031). A new connection is written after that call instead,
      // as its record must come first (a key without its record would be a conflict).
      const owned = new Set((previous ?? []).filter((r) => r.hash !== PENDING_HASH).map((r) => r.key));
      const isUpdate = (w: ConnectionWrite) => owned.has(keyString({ kind: "connection", id: w.body.connection_id }));
      const updates = connWrites.filter(isUpdate);
      const creates = connWrites.filter((w) => !isUpdate(w));
      if (updates.length > 0 || connDeletes.length > 0) await writeConnections(updates, connDeletes, true);
      const hoped = settleManifest(request, previous, results);
      const optimistic = await planFor(hoped);
      let recordedAhead = optimistic === null;
      const withManifest = optimistic === null ? varWrites : [...varWrites, this.#manifestWrite(optimistic)];
      if (withManifest.length > 0 || varDeletes.length > 0) {
        const answer = await api.writeVariables(withManifest, varDeletes);
        record(
          "variable",
          answer.filter((r) => r.id !== optimistic?.variable),
        );
        if (optimistic !== null && answer.find((r) => r.id === optimistic.variable)?.ok === true) {
          await landed(optimistic, hoped);
          recordedAhead = true;
        }
      }
      if (creates.length > 0) await writeConnections(creates, [], recordedAhead);
    } else if (varWrites.length > 0 || varDeletes.length > 0) {
      record("variable", await api.writeVariables(varWrites, varDeletes, known("variable")));
    }
    // …and is corrected (v2) or written (v1) once every key's outcome is known.
    const outcome = settleManifest(request, previous, results);
    const settled = await planFor(outcome);
    if (settled !== null) {
      const isBase = settled.variable === this.#config.manifestVariable;
      const [answer] = await api.writeVariables([this.#manifestWrite(settled)], [], () => isBase && current?.hasBase === true);
      if (answer?.ok === true) await landed(settled, outcome);
      else if (request.upserts.length === 0 && request.deletes.length === 0)
        // The engine's write-ahead (creates recorded as pending): no key to report it on, and
        // the values must not be sent unrecorded, so the call fails.
        throw new RemoteCallError(`writing the afsync manifest variable ${settled.variable} failed: ${answer?.error ?? "no answer"}`);
      else failManifest(results, request, answer?.error ?? "no answer");
    }
    this.#manifest = current === null ? null : { ...current, records: view };
    return this.#outcome(request, results, callsBefore);
  }

  #outcome(request: ApplyRequest, results: ReadonlyMap<KeyString, ApplyItemResult>, callsBefore: number): ApplyOutcome {
    if (this.#present !== undefined) {
      for (const { key } of request.upserts) if (results.get(keyString(key))?.ok === true) this.#present.add(keyString(key));
      for (const key of request.deletes) if (results.get(keyString(key))?.ok === true) this.#present.delete(keyString(key));
    }
    return { results: [...results.values()], calls: this.#calls - callsBefore };
  }

  /** The run is done with this target: its read's key set and manifest go (`apply` reads the manifest again if it must). */
  release(): void {
    this.#present = undefined;
    this.#manifest = undefined;
  }

  async close(): Promise<void> {}

  #manifestWrite(plan: ManifestWritePlan): VariableWrite {
    return { key: plan.variable, value: plan.text, description: MANIFEST_DESCRIPTION, secrets: [] };
  }

  /** The write of `delta`: a segment, or a fold built from a fresh read (another writer may have added segments). */
  async #planDelta(api: AirflowApi, log: ManifestLog | null, delta: ManifestDelta): Promise<ManifestWritePlan> {
    const step = planManifestWrite(this.#config.manifestVariable, log, delta, manifestTag(), Date.now());
    if (step.kind === "segment") return step.plan;
    // Another writer folding right now: this write appends a segment, and a later one folds.
    if (!(await this.#foldLock.tryAcquire(api)))
      return planManifestSegment(this.#config.manifestVariable, log, delta, manifestTag(), Date.now());
    const fresh = await this.#readManifest(api, await api.listVariables());
    return foldManifest(this.#config.manifestVariable, fresh, step.delta);
  }

  /** After a fold landed: its old segments are stale (the base names the last one), so a failed delete costs nothing but a retry next fold. */
  async #deleteFolded(api: AirflowApi, plan: ManifestWritePlan): Promise<void> {
    if (plan.deleteAfter.length > 0) await api.writeVariables([], plan.deleteAfter, () => true);
  }

  async #readManifest(api: AirflowApi, listed: ListedVariables): Promise<ManifestLog | null> {
    const base = this.#config.manifestVariable;
    // v2 lists carry values; v1 lists do not, so v1 costs one GET per manifest variable.
    const parts = await Promise.all(
      listed.keys
        .filter((key) => isManifestVariable(base, key))
        .map(async (key) => ({ variable: key, text: listed.values.get(key) ?? (await api.getVariable(key)) })),
    );
    return loadManifestLog(
      base,
      parts.flatMap((p) => (p.text === null ? [] : [{ variable: p.variable, text: p.text }])),
    );
  }

  #resolveApi(): Promise<AirflowApi> {
    this.#api ??= (async () => {
      const version = this.#version ?? (this.#config.auth.type === "airflow-token" ? 2 : await detectApiVersion(this.#root, this.#fetch));
      this.#version = version;
      return version === 1
        ? createAirflowV1Api(this.#root, this.#fetch, this.#get, this.#config.pageLimit, this.#config.concurrency ?? 1)
        : createAirflowV2Api(this.#root, this.#fetch, this.#get, this.#config.pageLimit, this.#config.batchSize);
    })().catch((error: unknown) => {
      this.#api = undefined;
      throw error instanceof RemoteCallError
        ? error
        : new RemoteCallError(`cannot reach ${this.describe}: ${String(error)}`, { cause: error });
    });
    return this.#api;
  }
}

/** The API root: without trailing `/`, `/api/v1` or `/api/v2` (the version is chosen separately). */
export function rootUrl(url: string): string {
  return url.replace(/\/+$/, "").replace(/\/api\/v[12]$/, "");
}

function claimUrl(root: string): string {
  try {
    const u = new URL(root);
    u.username = "";
    u.password = "";
    u.search = "";
    u.hash = "";
    return u.toString().replace(/\/+$/, "");
  } catch {
    return root;
  }
}

function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** A few random characters so two writers that pick the same segment number write two variables. */
function manifestTag(): string {
  return randomBytes(3).toString("hex");
}
