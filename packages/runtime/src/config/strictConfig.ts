import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { ownSideFileError } from "../bundle/ownSideFileError.ts";

/**
 * The strict config path for the functions: a config file that is not the one the bundle embeds,
 * or config text in an environment variable, read and validated as `loadConfigFile` and
 * `parseConfigText` do.
 *
 * Why an entry of its own: V8 pre-parses all of a CommonJS bundle at load, run or not, and the
 * YAML parser, the config schema and the adapters' option schemas (about 215 KB) cost a cold start
 * about 4 ms that the usual one (the embedded config) never uses. In a function bundle the import
 * below resolves to a file beside the bundle (`strictConfigSideFile`); unbundled it is the module.
 */
export async function loadStrictConfigFile(path: string, env: NodeJS.ProcessEnv = {}): Promise<AfsyncConfig> {
  const { loadConfigFile } = await import("./strictConfigEntry.ts");
  return asOwnConfigError(() => loadConfigFile(path, env));
}

export async function parseStrictConfigText(raw: string, envName: string): Promise<AfsyncConfig> {
  const { parseConfigText } = await import("./strictConfigEntry.ts");
  return asOwnConfigError(() => parseConfigText(raw, envName));
}

/**
 * The parse an adapter's factory runs on its options, for a config that is not the embedded one
 * (`adapterCreateLoaders`): the schemas stay on this path, out of the bundle. Its errors are zod's
 * (the side file's copy), which `atConfigPath` turns into this module's `ConfigError`.
 */
export async function loadStrictOptionsParser(
  kind: "source" | "target",
  type: string,
): Promise<((options: unknown) => unknown) | undefined> {
  const { adapterOptionsParser } = await import("./strictConfigEntry.ts");
  return adapterOptionsParser(kind, type);
}

/** The side file's errors as this module's own (`ownSideFileError`): `instanceof ConfigError` holds downstream. */
async function asOwnConfigError<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw ownSideFileError(error);
  }
}
