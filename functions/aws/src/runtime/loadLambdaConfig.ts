import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { loadBundledConfigFile } from "@afsync/runtime/config/bundledConfig";

export const CONFIG_ENV = "AFSYNC_CONFIG";

export interface LambdaConfig {
  readonly config: AfsyncConfig;
  /** Where relative paths in the config resolve from: the file's directory, or the task root. */
  readonly configDir: string;
}

/**
 * `AFSYNC_CONFIG` is either the afsync config itself (YAML or JSON text: anything with a newline
 * or starting with `{`) or a path to a file bundled with the function, relative to the task
 * root. serverless.yml ships `afsync.config.yaml` in every zip and points here, so a config
 * change is a redeploy, and the config is parsed once per cold start.
 *
 * The file the bundle was built with is not parsed again: its validated form is in the bundle
 * (`loadBundledConfigFile`), used when the file's bytes hash to the same SHA-256. Anything else
 * (another file, inline text) goes through the YAML parser and the schemas, loaded only then, so
 * the usual cold start evaluates neither.
 */
export async function loadLambdaConfig(env: NodeJS.ProcessEnv): Promise<LambdaConfig> {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw.trim() === "") {
    throw new ConfigError(CONFIG_ENV, "is not set: give the afsync config (YAML/JSON) or the path of the bundled config file");
  }
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  if (raw.includes("\n") || raw.trimStart().startsWith("{")) {
    const { parseStrictConfigText } = await import("@afsync/runtime/config/strictConfig");
    return { config: await parseStrictConfigText(raw, CONFIG_ENV), configDir: root };
  }
  // Lambda runs in LAMBDA_TASK_ROOT (/var/task); `serverless invoke local` sets that variable
  // but runs from the service directory, so fall back to the working directory.
  const candidates = isAbsolute(raw) ? [raw] : [resolve(root, raw), resolve(process.cwd(), raw)];
  const path = candidates.find((p) => existsSync(p)) ?? candidates[0] ?? raw;
  return { config: await loadBundledConfigFile(path, env), configDir: resolve(path, "..") };
}
