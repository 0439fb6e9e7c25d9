import type { Logger } from "@afsync/core";
import { createVaultClient } from "./createVaultClient.ts";
import { VaultNaming } from "./VaultNaming.ts";
import { VaultSource } from "./VaultSource.ts";
import { vaultNamingKwargs, vaultSourceOptionsSchema } from "./vaultSourceOptions.ts";

/** What the composition root hands a factory (a structural subset of the CLI's FactoryContext). */
export interface VaultFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly configDir?: string;
  readonly logger?: Logger;
  /** Test hooks: the clock the token session renews by, and a shorter retry backoff. */
  readonly now?: () => number;
  readonly retryBaseMs?: number;
}

export function createVaultSource(options: unknown, ctx: VaultFactoryContext): VaultSource {
  const o = vaultSourceOptionsSchema.parse(options);
  const session = createVaultClient(o, {
    env: ctx.env,
    ...(ctx.configDir !== undefined ? { configDir: ctx.configDir } : {}),
    ...(ctx.now !== undefined ? { now: ctx.now } : {}),
    ...(ctx.retryBaseMs !== undefined ? { retryBaseMs: ctx.retryBaseMs } : {}),
  });
  const namespace = o.namespace ?? (ctx.env.VAULT_NAMESPACE || undefined);
  const kvVersion = o.kv_engine_version === 1 ? 1 : 2;
  return new VaultSource(ctx.id, session, new VaultNaming(vaultNamingKwargs(o), namespace), kvVersion, {
    events: o.events,
    ...(ctx.now !== undefined ? { now: ctx.now } : {}),
  });
}

/** Registry entry for `packages/runtime/src/compose/sourceFactories.ts`. */
export const vaultSourceFactory = { schema: vaultSourceOptionsSchema, create: createVaultSource };
