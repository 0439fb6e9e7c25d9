import type { AzureClientOverrides } from "@afsync/azure/createAzureKeyVaultClient";
import { ConfigError, type KeyString, type Logger, type SecretSource } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { isEmbeddedConfig } from "../config/bundledConfig.ts";
import { assertBundled, loadSourceCreate } from "./adapterCreateLoaders.ts";
import { atConfigPath } from "./atConfigPath.ts";

export interface SourceBuildContext {
  readonly env: NodeJS.ProcessEnv;
  readonly configDir: string;
  readonly logger: Logger;
  /** The keys the Deployments hold now; only the full runtime, which has targets, can say. */
  readonly knownKeys?: () => Promise<ReadonlySet<KeyString>>;
  /**
   * Client settings a host passes to the sources it builds beside the config: the function app's
   * tests hand the Azure source the Key Vault emulator's credential and CA this way (production
   * passes nothing and gets DefaultAzureCredential).
   */
  readonly clientOverrides?: { readonly azure?: AzureClientOverrides };
}

/**
 * Every configured source, built from its registered factory (loaded only for the types the
 * config names), `id → source` in file order. The
 * one place that turns `sources:` into clients: the full runtime, the cloud producers (which
 * route events and build no target) and `afsync event parse` all call it. Building a source
 * reads nothing from the provider. A factory that throws is reported at its place in the config;
 * its message never holds a secret. On failure the sources built so far are closed.
 */
export async function buildSources(config: AfsyncConfig, ctx: SourceBuildContext): Promise<Map<string, SecretSource>> {
  const sources = new Map<string, SecretSource>();
  try {
    for (const s of config.sources) {
      // A function bundle built for another config may have left the type out: say so at its place.
      assertBundled("source", s.type, `sources.${s.id}.type`);
      const create = await loadSourceCreate(s.type, isEmbeddedConfig(config));
      if (create === undefined) throw new ConfigError(`sources.${s.id}.type`, `unknown source type '${s.type}'`);
      const source = await atConfigPath(`sources.${s.id}`, () =>
        create(s.options, {
          id: s.id,
          env: ctx.env,
          configDir: ctx.configDir,
          logger: ctx.logger,
          ...(ctx.knownKeys === undefined ? {} : { knownKeys: ctx.knownKeys }),
          ...(ctx.clientOverrides?.azure === undefined ? {} : { azure: ctx.clientOverrides.azure }),
        }),
      );
      sources.set(s.id, source);
    }
    return sources;
  } catch (error) {
    await closeSources(sources.values());
    throw error;
  }
}

export async function closeSources(sources: Iterable<SecretSource>): Promise<void> {
  for (const s of sources) await s.close?.().catch(() => undefined);
}
