import { ConfigError, type SecretSource } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import type { SourceNaming } from "@afsync/core/ports/SecretSource";
import { assertBundled, loadSourceFactory, sourceNamingLoaders } from "./adapterFactoryLoaders.ts";
import { atConfigPath, closeSources, type SourceBuildContext } from "./buildSources.ts";

/**
 * Every configured source's naming rules, `id → naming` in file order: what a producer function
 * (it routes events to Deployments and reads no secret) needs. A type with a client-free naming
 * module (`sourceNamingLoaders`: the AWS sources) is built without its SDK client, so its SDK is
 * never evaluated on that function's cold start; any other type is built in full, exactly as
 * `buildSources` builds it. Options are validated by the type's own schema either way, and a
 * failure is a ConfigError at the source's place in the config.
 */
export async function buildSourceNamings(config: AfsyncConfig, ctx: SourceBuildContext): Promise<Map<string, SourceNaming>> {
  const namings = new Map<string, SourceNaming>();
  const built: SecretSource[] = [];
  try {
    for (const s of config.sources) {
      assertBundled("source", s.type, `sources.${s.id}.type`);
      const loadNaming = Object.hasOwn(sourceNamingLoaders, s.type) ? sourceNamingLoaders[s.type] : undefined;
      if (loadNaming !== undefined) {
        const naming = await loadNaming();
        namings.set(s.id, await atConfigPath(`sources.${s.id}`, () => naming(s.options, { id: s.id })));
        continue;
      }
      const factory = await loadSourceFactory(s.type);
      if (factory === undefined) throw new ConfigError(`sources.${s.id}.type`, `unknown source type '${s.type}'`);
      const source = await atConfigPath(`sources.${s.id}`, () =>
        factory.create(s.options, {
          id: s.id,
          env: ctx.env,
          configDir: ctx.configDir,
          logger: ctx.logger,
          ...(ctx.clientOverrides?.azure === undefined ? {} : { azure: ctx.clientOverrides.azure }),
        }),
      );
      built.push(source);
      namings.set(s.id, source);
    }
    return namings;
  } catch (error) {
    await closeSources(built);
    throw error;
  }
}
