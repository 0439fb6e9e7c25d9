import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { loadBundledConfigFile } from "@afsync/runtime/config/bundledConfig";

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
 *
 * The file `npm run package:azure` built the bundle with is not parsed again: its validated form
 * is in the bundle, used when the file's bytes hash the same (`loadBundledConfigFile`). Any other
 * file, and text in the setting, go through the YAML parser and the schemas, loaded only then.
 */
export async function loadFunctionConfig(env: NodeJS.ProcessEnv, appRoot: string = process.cwd()): Promise<FunctionConfig> {
  const raw = env[CONFIG_ENV]?.trim() ? (env[CONFIG_ENV] as string) : BUNDLED_CONFIG_FILE;
  if (raw.includes("\n") || raw.trimStart().startsWith("{")) {
    const { parseStrictConfigText } = await import("@afsync/runtime/config/strictConfig");
    return { config: await parseStrictConfigText(raw, CONFIG_ENV), configDir: appRoot };
  }
  const path = isAbsolute(raw) ? raw : resolve(appRoot, raw);
  if (!existsSync(path)) throw new ConfigError(CONFIG_ENV, `names ${path}, which does not exist (package the app with its config)`);
  return { config: await loadBundledConfigFile(path, env), configDir: resolve(path, "..") };
}
