import { resolve } from "node:path";
import {
  type Clock,
  ConfigError,
  type HmacKeyProvider,
  type KeyString,
  type Logger,
  type RunLock,
  type SecretSource,
  type StateStore,
} from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { checkConfiguredFiles } from "@afsync/local/checkConfiguredFiles";
import { isEmbeddedConfig } from "../config/bundledConfig.ts";
import { MemoryStateStore } from "../state/MemoryStateStore.ts";
import { assertBundled, loadTargetCreate } from "./adapterCreateLoaders.ts";
import { atConfigPath } from "./atConfigPath.ts";
import { buildSources, type SourceBuildContext } from "./buildSources.ts";
import { notBundledMessage } from "./bundleOmission.ts";
import { createHmacHasher, systemClock } from "./createHmacHasher.ts";

export interface RuntimeContext {
  readonly env: NodeJS.ProcessEnv;
  readonly configDir: string;
  readonly logger: Logger;
  /** `plan`/`explain`: open the state read-only and never persist a new HMAC key. */
  readonly readOnly?: boolean;
  /** Override the configured state store (tests, or a host that owns one). */
  readonly state?: StateStore & HmacKeyProvider;
  readonly clock?: Clock;
  /** Who takes the run lock and how long a sync waits for another run (default: `afsync`, 30 s). */
  readonly runLock?: { readonly command: string; readonly waitMs: number };
  /** See SourceBuildContext.clientOverrides. */
  readonly clientOverrides?: SourceBuildContext["clientOverrides"];
}

export interface Runtime {
  readonly engine: SyncEngine;
  /** Every Deployment of the config, in file order. */
  readonly bindings: DeploymentBinding[];
  readonly sources: Map<string, SecretSource>;
  readonly config: AfsyncConfig;
  close(): Promise<void>;
}

type Closable = { close?(): Promise<void> };

/**
 * The composition root: builds each source and target from its factory, the state store the
 * config names (SQLite is imported lazily so bundles that never use it do not carry
 * better-sqlite3), the HMAC hasher keyed from that store, and the engine.
 */
export async function buildRuntime(config: AfsyncConfig, ctx: RuntimeContext): Promise<Runtime> {
  await checkConfiguredFiles(config, ctx.configDir);
  const opened: Closable[] = [];
  const closeAll = async () => {
    for (const c of opened.reverse()) await c.close?.().catch(() => undefined);
  };
  try {
    const state = ctx.state ?? (await openState(config, ctx));
    opened.push(state);
    const hmacKey =
      config.state.type === "target" && ctx.state === undefined ? keyFromEnv(config.state.hmacKeyEnv, ctx.env) : await state.hmacKey();

    const bindings: DeploymentBinding[] = [];
    // Lazy: asked only when a lossy name (Key Vault's `_` → `-`) has several spellings.
    const sources = await buildSources(config, { ...ctx, knownKeys: () => keysHeldBy(bindings, state) });
    opened.push(...sources.values());

    for (const d of config.deployments) {
      assertBundled("target", d.target.type, `deployments.${d.id}.target.type`);
      const create = await loadTargetCreate(d.target.type, isEmbeddedConfig(config));
      if (create === undefined) throw new ConfigError(`deployments.${d.id}.target.type`, `unknown target type '${d.target.type}'`);
      const target = await atConfigPath(`deployments.${d.id}.target`, () =>
        create(d.target.options, { id: d.id, env: ctx.env, configDir: ctx.configDir, logger: ctx.logger }),
      );
      opened.push(target);
      if (config.state.type === "target" && !target.capabilities.holdsState) {
        throw new ConfigError(
          "state.type",
          `target ${d.target.type} of Deployment ${d.id} cannot keep afsync's state; use state: { type: sqlite }`,
        );
      }
      const backend = d.observe?.secretsBackend === undefined ? undefined : sources.get(d.observe.secretsBackend);
      bindings.push({
        id: d.id,
        target,
        sources: d.sources.flatMap((id) => sources.get(id) ?? []),
        deletion: d.deletion,
        adopt: d.adopt,
        include: d.include,
        exclude: d.exclude,
        ...(backend === undefined ? {} : { observe: { secretsBackend: backend } }),
      });
    }

    // Every sync holds a lock on the SQLite state store and each local target file (ADR 006);
    // with no such file there is nothing to lock.
    const lockedFiles = [
      ...(config.state.type === "sqlite" && ctx.state === undefined ? [resolve(ctx.configDir, config.state.path)] : []),
      ...bindings.flatMap((b) => b.target.localFiles ?? []),
    ];
    const runLock = lockedFiles.length === 0 ? undefined : await fileRunLock(lockedFiles, ctx);
    const engine = new SyncEngine({
      clock: ctx.clock ?? systemClock,
      hasher: createHmacHasher(hmacKey),
      logger: ctx.logger,
      state,
      ...(runLock === undefined ? {} : { runLock }),
    });
    return { engine, bindings, sources, config, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Every key the Deployments hold (what their targets show, and what afsync's state says it owns).
 * A target that cannot be read adds nothing: a source then reports a lossy name as ambiguous
 * rather than guess, and the engine reports that Deployment's failure itself.
 */
async function keysHeldBy(bindings: readonly DeploymentBinding[], state: StateStore): Promise<ReadonlySet<KeyString>> {
  const held = new Set<KeyString>();
  await Promise.all(
    bindings.map(async (binding) => {
      try {
        const snapshot = await binding.target.read();
        for (const key of snapshot.entries.keys()) held.add(key);
        const owned = binding.target.capabilities.holdsState
          ? (snapshot.manifest ?? []).map((r) => r.key)
          : [...(await state.load(binding.id)).keys()];
        for (const key of owned) held.add(key);
      } catch {
        // Unreadable targets contribute no keys (see above).
      }
    }),
  );
  return held;
}

/**
 * The SQLite state store's module and the run lock's, imported only when used. A function bundle
 * built for a config whose state is not SQLite and whose targets keep no local file holds neither
 * (`bundleOmission`): the constants are written out literally so esbuild folds them. Such a bundle
 * given a config that needs one says so; its local targets are refused earlier, as not bundled.
 */
const loadSqliteStateStore =
  process.env.AFSYNC_BUNDLE_OMITS_STATE_SQLITE === "1" ? undefined : () => import("../state/SqliteStateStore.ts");
const loadFileRunLock =
  process.env.AFSYNC_BUNDLE_OMITS_STATE_SQLITE === "1" &&
  process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_SETTINGS === "1" &&
  process.env.AFSYNC_BUNDLE_OMITS_TARGET_ENV_FILE === "1" &&
  process.env.AFSYNC_BUNDLE_OMITS_TARGET_LOCAL_FILESYSTEM === "1"
    ? undefined
    : () => import("@afsync/local/FileRunLock");

async function fileRunLock(resources: readonly string[], ctx: RuntimeContext): Promise<RunLock> {
  if (loadFileRunLock === undefined) throw new ConfigError("state.type", notBundledMessage("state", "sqlite"));
  const { DEFAULT_RUN_LOCK_WAIT_MS, FileRunLock } = await loadFileRunLock();
  return new FileRunLock({ resources, command: "afsync", waitMs: DEFAULT_RUN_LOCK_WAIT_MS, ...ctx.runLock, logger: ctx.logger });
}

async function openState(config: AfsyncConfig, ctx: RuntimeContext): Promise<StateStore & HmacKeyProvider> {
  if (config.state.type !== "sqlite") return new MemoryStateStore();
  if (loadSqliteStateStore === undefined) throw new ConfigError("state.type", notBundledMessage("state", "sqlite"));
  const path = resolve(ctx.configDir, config.state.path);
  const { SqliteStateStore } = await loadSqliteStateStore();
  if (ctx.readOnly) return SqliteStateStore.openReadOnly(path) ?? new MemoryStateStore();
  return SqliteStateStore.open(path);
}

function keyFromEnv(name: string, env: NodeJS.ProcessEnv): Uint8Array {
  const value = env[name];
  if (value === undefined || value.length < 32) {
    throw new ConfigError("state.hmac_key_env", `environment variable ${name} must hold the HMAC key (at least 32 characters)`);
  }
  return new TextEncoder().encode(value);
}
