import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import type { SourceNaming } from "@afsync/core/ports/SecretSource";
import { atConfigPath } from "./atConfigPath.ts";
import type { SourceBuildContext } from "./buildSources.ts";
import { assertInBundle } from "./bundleOmission.ts";
import { sourceNamingLoaders } from "./sourceNamingLoaders.ts";

/**
 * Every configured source's naming rules, `id → naming` in file order: what a producer function
 * (it routes events to Deployments and reads no secret) needs. The AWS sources' come without an
 * SDK client, so their SDKs are neither in a producer's bundle nor evaluated on its cold start
 * (`sourceNamingLoaders`); other types are built in full, exactly as `buildSources` builds them.
 * The options are the config's, validated by parseConfig (at cold start, or at build time for the
 * config embedded in a bundle); a failure is a ConfigError at the source's place in the config.
 * On failure what was built so far is closed.
 */
export async function buildSourceNamings(config: AfsyncConfig, ctx: SourceBuildContext): Promise<Map<string, SourceNaming>> {
  const namings = new Map<string, SourceNaming>();
  try {
    for (const s of config.sources) {
      // A function bundle built for another config may have left the type out: say so at its place.
      assertInBundle(sourceNamingLoaders, "source", s.type, `sources.${s.id}.type`);
      const load = Object.hasOwn(sourceNamingLoaders, s.type) ? sourceNamingLoaders[s.type] : undefined;
      if (load === undefined) throw new ConfigError(`sources.${s.id}.type`, `unknown source type '${s.type}'`);
      const naming = await load();
      const built = await atConfigPath(`sources.${s.id}`, () =>
        naming(s.options, {
          id: s.id,
          env: ctx.env,
          configDir: ctx.configDir,
          logger: ctx.logger,
          ...(ctx.clientOverrides?.azure === undefined ? {} : { azure: ctx.clientOverrides.azure }),
        }),
      );
      namings.set(s.id, built);
    }
    return namings;
  } catch (error) {
    // Full sources built for routing hold clients; the AWS namings hold nothing.
    for (const naming of namings.values()) await (naming as { close?(): Promise<void> }).close?.().catch(() => undefined);
    throw error;
  }
}
