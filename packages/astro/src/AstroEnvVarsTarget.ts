import {
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
  parseKeyString,
  RemoteCallError,
  type StateRecord,
  silentLogger,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { parseConnectionValue } from "@afsync/core/formats/connectionValue";
import { envVarNameFor, envVarValueFor, keyFromEnvVarName } from "@afsync/core/formats/envVars";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";
import type { FetchLike } from "@afsync/http/FetchLike";
import type { RetryOptions } from "@afsync/http/retryingFetch";
import { type AstroApiVersion, type AstroDeploymentApi, createAstroDeploymentApi, type DeploymentVariables } from "./AstroDeploymentApi.ts";
import {
  changedRecords,
  DEFAULT_MANIFEST_OWNER,
  decodeManifest,
  encodeManifest,
  type ManifestOwners,
  mergeManifest,
  sameRecord,
  withOwnerRecords,
} from "./AstroManifest.ts";
import { astroEnvVarKeyRules } from "./astroEnvVarKeyRules.ts";
import { astroWriteLocks, type KeyedMutex } from "./KeyedMutex.ts";
import { mergeEnvironmentVariables } from "./mergeEnvironmentVariables.ts";
import { secretFragments } from "./secretFragments.ts";

export const DEFAULT_MANIFEST_VARIABLE = "AFSYNC_MANIFEST";

export interface AstroEnvVarsTargetOptions {
  readonly organizationId: string;
  readonly deploymentId: string;
  /** API base matching `apiVersion`: `https://api.astronomer.io/v1` for the real v1. */
  readonly apiUrl: string;
  /** Which Astro API serves the Deployment: `v1` (default) or the Platform API `v1beta1` (end of support January 2027). */
  readonly apiVersion?: AstroApiVersion;
  readonly token: string;
  /** Name of the visible variable holding afsync's manifest. */
  readonly manifestVariable?: string;
  /** Whose records in the manifest are "owned" here: the afsync Deployment id from the config. */
  readonly owner?: string;
  /** Read-merge-write cycles tried when a concurrent writer replaced the list under us. */
  readonly maxWriteAttempts?: number;
  readonly retry?: RetryOptions;
  readonly fetch?: FetchLike;
  readonly logger?: Logger;
  /** The per-Deployment write lock; the process-wide table unless a test isolates one "process". */
  readonly locks?: KeyedMutex;
}

/**
 * An Astro Deployment's environment variables as the `environment-variables` precedence layer:
 * connections as `AIRFLOW_CONN_<ID>` (Airflow's JSON form) and variables as `AIRFLOW_VAR_<KEY>`,
 * all written as secrets, with afsync's manifest in a visible `AFSYNC_MANIFEST` variable of the
 * same update. Every other variable is left exactly as it was.
 *
 * UpdateDeployment replaces the whole list and restarts Airflow, so a sync makes one update
 * when something changed and none otherwise. Writes to one Deployment are serialized within the
 * process, and each write is read back: if another process replaced the list in between (the
 * API has no ETag), the cycle re-reads, re-merges and writes again.
 */
export class AstroEnvVarsTarget implements DeploymentTarget {
  readonly type = "astro-env-vars";
  readonly layer = "environment-variables" as const;
  readonly capabilities = { readsValues: false, holdsState: true, maxBatch: Number.MAX_SAFE_INTEGER } as const;
  readonly describe: string;
  /** One Astro Deployment's environment variables, however many Deployments of the config point at it. */
  readonly claimScope: string;
  readonly #o: AstroEnvVarsTargetOptions;
  readonly #api: AstroDeploymentApi;
  readonly #manifestVariable: string;
  readonly #owner: string;
  readonly #logger: Logger;
  readonly #locks: KeyedMutex;
  /** The manifest the engine planned against (from the last `read`), the base of the three-way merge. */
  #base: StateRecord[] | null | undefined;

  constructor(options: AstroEnvVarsTargetOptions) {
    this.#o = options;
    this.#manifestVariable = options.manifestVariable ?? DEFAULT_MANIFEST_VARIABLE;
    this.#owner = options.owner ?? DEFAULT_MANIFEST_OWNER;
    if (keyFromEnvVarName(this.#manifestVariable) !== null) {
      throw new RemoteCallError(`manifest variable ${this.#manifestVariable} would be read by Airflow as a connection or variable`, {
        errorClass: "user",
      });
    }
    this.#logger = options.logger ?? silentLogger;
    this.#api = createAstroDeploymentApi({ ...options, apiVersion: options.apiVersion ?? "v1", logger: this.#logger });
    this.#locks = options.locks ?? astroWriteLocks;
    this.claimScope = `astro-env-vars ${hostOf(options.apiUrl)} ${options.organizationId} ${options.deploymentId}`;
    this.describe = `Astro Deployment ${options.deploymentId} (organization ${options.organizationId}) environment variables at ${hostOf(options.apiUrl)}`;
  }

  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, astroEnvVarKeyRules(this.#manifestVariable));
  }

  async read(): Promise<TargetSnapshot> {
    const deployment = await this.#getDeployment();
    const owners = this.#ownersOf(deployment);
    const manifest = owners?.get(this.#owner) ?? null;
    this.#base = manifest;
    // keyFromEnvVarName lower-cases ids (Airflow's lookup ignores case); the manifest remembers
    // the casing afsync wrote, so its keys match the engine's again.
    const owned = new Map<string, AirflowKey>();
    for (const r of [...(owners?.values() ?? [])].flat()) {
      const key = parseKeyString(r.key);
      if (key !== null) owned.set(envVarNameFor(key), key);
    }
    const entries = new Map<KeyString, TargetEntry>();
    for (const v of deployment.environmentVariables ?? []) {
      const key = owned.get(v.key) ?? keyFromEnvVarName(v.key);
      if (key === null) continue;
      const value = v.isSecret || v.value === undefined ? undefined : visibleValue(key, v.value);
      entries.set(keyString(key), value === undefined ? { key } : { key, value });
    }
    return { entries, manifest };
  }

  apply(request: ApplyRequest): Promise<ApplyOutcome> {
    const lockKey = `${this.#o.apiUrl}|${this.#o.organizationId}|${this.#o.deploymentId}`;
    return this.#locks.run(lockKey, () => this.#applyLocked(request));
  }

  async #applyLocked(request: ApplyRequest): Promise<ApplyOutcome> {
    const upserts = new Map<string, string>();
    const results: ApplyItemResult[] = [];
    const refused = new Set<KeyString>();
    // The engine plans with checkKeys already (and refuses both keys of a collision); a direct
    // caller must not write a key that cannot be held either. Collisions are handled below.
    const cannotHold = new Map(
      this.checkKeys(request.upserts.map((u) => u.key))
        .filter((p) => p.collidesWith === undefined)
        .map((p) => [p.key, p.reason]),
    );
    for (const u of request.upserts) {
      const name = envVarNameFor(u.key);
      const refusal = cannotHold.get(keyString(u.key));
      if (refusal !== undefined) {
        refused.add(keyString(u.key));
        results.push({ key: keyString(u.key), ok: false, error: refusal });
        continue;
      }
      if (upserts.has(name)) {
        // Airflow upper-cases ids for the env lookup, so `var:a` and `var:A` are one variable.
        refused.add(keyString(u.key));
        results.push({ key: keyString(u.key), ok: false, error: `${name} is already written for another key that differs only in case` });
        continue;
      }
      upserts.set(name, envVarValueFor(u.value));
      results.push({ key: keyString(u.key), ok: true });
    }
    const deletes = new Set(request.deletes.map(envVarNameFor));
    for (const k of request.deletes) results.push({ key: keyString(k), ok: true });
    const sent = request.upserts.flatMap((u) => secretFragments(u.value));
    // A refused key keeps the record the engine planned against (none, for a new key).
    const baseBy = new Map((this.#base ?? []).map((r) => [r.key, r]));
    const ours = [...request.manifest.filter((r) => !refused.has(r.key)), ...[...refused].flatMap((k) => baseBy.get(k) ?? [])];
    const attempts = this.#o.maxWriteAttempts ?? 3;
    let calls = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const current = await this.#getDeployment();
      calls += 1;
      // Only this owner's records are merged; every other owner's are kept as they are now.
      const owners = this.#ownersOf(current) ?? new Map();
      const merged = mergeManifest(this.#base, ours, owners.get(this.#owner) ?? null);
      const next = mergeEnvironmentVariables(current.environmentVariables ?? [], {
        upserts,
        deletes,
        manifest: { name: this.#manifestVariable, value: encodeManifest(withOwnerRecords(owners, this.#owner, merged)) },
      });
      if (!next.changed) return { results, calls };
      await this.#update(current, next.variables, sent);
      const check = await this.#getDeployment();
      calls += 2;
      const lost = this.#lostChanges(check, upserts, deletes, changedRecords(this.#base, ours));
      if (lost.length === 0) {
        this.#base = ours; // this writer's own view: another writer's records would read as removed by this one
        return { results, calls };
      }
      this.#logger.log("warn", "astro-env-vars: another writer replaced the Deployment's variables; merging again", {
        deployment: this.#o.deploymentId,
        attempt,
        missing: lost.slice(0, 10),
      });
    }
    throw new RemoteCallError(
      `UpdateDeployment on ${this.#o.deploymentId}: another writer kept replacing the variable list; afsync's changes did not stay after ${attempts} attempts`,
      { errorClass: "transient" },
    );
  }

  /** What of this write is not in the Deployment read back: variable names and manifest keys. */
  #lostChanges(
    deployment: DeploymentVariables,
    upserts: ReadonlyMap<string, string>,
    deletes: ReadonlySet<string>,
    records: ReadonlyMap<KeyString, StateRecord | undefined>,
  ): string[] {
    const present = new Map((deployment.environmentVariables ?? []).map((v) => [v.key, v]));
    const lost: string[] = [];
    for (const name of upserts.keys()) if (present.get(name)?.isSecret !== true) lost.push(name);
    for (const name of deletes) if (!upserts.has(name) && present.has(name)) lost.push(name);
    const remote = new Map((this.#ownersOf(deployment)?.get(this.#owner) ?? []).map((r) => [r.key, r]));
    for (const [key, record] of records) if (!sameRecord(remote.get(key), record)) lost.push(`${this.#manifestVariable}[${key}]`);
    return lost;
  }

  #getDeployment(): Promise<DeploymentVariables> {
    return this.#api.get();
  }

  async #update(
    current: DeploymentVariables,
    variables: ReturnType<typeof mergeEnvironmentVariables>["variables"],
    sent: readonly string[],
  ): Promise<void> {
    await this.#api.update(current, variables, sent);
  }

  #ownersOf(deployment: DeploymentVariables): ManifestOwners | null {
    const variable = (deployment.environmentVariables ?? []).find((v) => v.key === this.#manifestVariable);
    if (variable === undefined) return null;
    if (variable.isSecret || variable.value === undefined) {
      throw new RemoteCallError(
        `${this.#manifestVariable} on Deployment ${this.#o.deploymentId} was made secret, so afsync cannot read what it owns`,
        {
          errorClass: "user",
        },
      );
    }
    return decodeManifest(variable.value, `${this.#manifestVariable} on Deployment ${this.#o.deploymentId}`);
  }
}

/** A non-secret AIRFLOW_* variable someone else set: its value, when it parses. */
function visibleValue(key: AirflowKey, text: string): AirflowValue | undefined {
  if (key.kind === "variable") return { kind: "variable", value: text };
  try {
    return { kind: "connection", connection: parseConnectionValue(text) };
  } catch {
    return undefined;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "an invalid URL";
  }
}
