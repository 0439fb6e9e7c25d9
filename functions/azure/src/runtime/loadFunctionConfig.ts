import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { parseConfig } from "@afsync/core/config/parseConfig";
import { loadOptionsRegistry } from "@afsync/runtime/compose/adapterFactoryLoaders";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { parse as parseYaml } from "yaml";

export const CONFIG_ENV = "AFSYNC_CONFIG";
/** The file `npm run package:azure` puts next to host.json. */
export const BUNDLED_CONFIG_FILE = "afsync.config.yaml";

export interface FunctionConfig {
  readonly config: AfsyncConfig;
  /** Where relative paths in the config resolve from. */
  readonly configDir: string;
}

/**
 * The app setting `AFSYNC_CONFIG` is the afsync config itself (YAML/JSON text: anything with a
 * newline or starting with `{`) or the path of a file shipped in the zip, relative to the app root
 * (the Functions host runs in it: /home/site/wwwroot). Unset, it is the bundled afsync.config.yaml.
 */
export async function loadFunctionConfig(env: NodeJS.ProcessEnv, appRoot: string = process.cwd()): Promise<FunctionConfig> {
  const raw = env[CONFIG_ENV]?.trim() ? (env[CONFIG_ENV] as string) : BUNDLED_CONFIG_FILE;
  if (raw.includes("\n") || raw.trimStart().startsWith("{")) {
    let input: unknown;
    try {
      input = parseYaml(raw);
    } catch (error) {
      throw new ConfigError(CONFIG_ENV, `does not parse as YAML/JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { config: parseConfig(input, await loadOptionsRegistry(input)), configDir: appRoot };
  }
  const path = isAbsolute(raw) ? raw : resolve(appRoot, raw);
  if (!existsSync(path)) throw new ConfigError(CONFIG_ENV, `names ${path}, which does not exist (package the app with its config)`);
  return { config: await loadConfigFile(path, env), configDir: resolve(path, "..") };
}
