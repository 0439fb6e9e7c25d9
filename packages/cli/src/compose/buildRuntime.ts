import { resolve } from "node:path";
import { type Clock, ConfigError, type HmacKeyProvider, type Logger, type SecretSource, type StateStore } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { checkConfiguredFiles } from "@afsync/local/checkConfiguredFiles";
import { MemoryStateStore } from "../state/MemoryStateStore.ts";
import { createHmacHasher, systemClock } from "./createHmacHasher.ts";
import { sourceFactories } from "./sourceFactories.ts";
import { targetFactories } from "./targetFactories.ts";

export interface RuntimeContext {
  readonly env: NodeJS.ProcessEnv;
  readonly configDir: string;
  readonly logger: Logger;
  /** `plan`/`explain`: open the state read-only and never persist a new HMAC key. */
  readonly readOnly?: boolean;
  /** Override the configured state store (tests, or a host that owns one). */
  readonly state?: StateStore & HmacKeyProvider;
  readonly clock?: Clock;
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

    const sources = new Map<string, SecretSource>();
    for (const s of config.sources) {
      const factory = sourceFactories[s.type];
      if (factory === undefined) throw new ConfigError(`sources.${s.id}.type`, `unknown source type '${s.type}'`);
      const source = await build(`sources.${s.id}`, () =>
        factory.create(s.options, { id: s.id, env: ctx.env, configDir: ctx.configDir, logger: ctx.logger }),
      );
      opened.push(source);
      sources.set(s.id, source);
    }

    const bindings: DeploymentBinding[] = [];
    for (const d of config.deployments) {
      const factory = targetFactories[d.target.type];
      if (factory === undefined) throw new ConfigError(`deployments.${d.id}.target.type`, `unknown target type '${d.target.type}'`);
      const target = await build(`deployments.${d.id}.target`, () =>
        factory.create(d.target.options, { id: d.id, env: ctx.env, configDir: ctx.configDir, logger: ctx.logger }),
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

    const engine = new SyncEngine({ clock: ctx.clock ?? systemClock, hasher: createHmacHasher(hmacKey), logger: ctx.logger, state });
    return { engine, bindings, sources, config, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function openState(config: AfsyncConfig, ctx: RuntimeContext): Promise<StateStore & HmacKeyProvider> {
  if (config.state.type !== "sqlite") return new MemoryStateStore();
  const path = resolve(ctx.configDir, config.state.path);
  const { SqliteStateStore } = await import("../state/SqliteStateStore.ts");
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

/** A factory that throws is reported at its place in the config; its message never holds a secret. */
async function build<T>(path: string, create: () => Promise<T> | T): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(path, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
