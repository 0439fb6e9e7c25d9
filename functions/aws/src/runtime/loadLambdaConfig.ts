import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { bundledConfig } from "./bundledConfig.ts";

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
 * (`bundledConfig`), used when the file's bytes hash to the same SHA-256. Anything else (another
 * file, inline text) goes through the YAML parser and the schemas, loaded only then, so the
 * usual cold start evaluates neither.
 */
export async function loadLambdaConfig(env: NodeJS.ProcessEnv): Promise<LambdaConfig> {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw.trim() === "") {
    throw new ConfigError(CONFIG_ENV, "is not set: give the afsync config (YAML/JSON) or the path of the bundled config file");
  }
  const root = env.LAMBDA_TASK_ROOT ?? process.cwd();
  if (raw.includes("\n") || raw.trimStart().startsWith("{")) return { config: await parseInlineConfig(raw), configDir: root };
  // Lambda runs in LAMBDA_TASK_ROOT (/var/task); `serverless invoke local` sets that variable
  // but runs from the service directory, so fall back to the working directory.
  const candidates = isAbsolute(raw) ? [raw] : [resolve(root, raw), resolve(process.cwd(), raw)];
  const path = candidates.find((p) => existsSync(p)) ?? candidates[0] ?? raw;
  const configDir = resolve(path, "..");
  const bundled = bundledConfig();
  if (bundled !== undefined && sha256Of(path) === bundled.sha256) return { config: bundled.config, configDir };
  const { loadConfigFile } = await import("@afsync/runtime/config/loadConfigFile");
  return { config: await loadConfigFile(path, env), configDir };
}

/** The file's SHA-256, or undefined when it cannot be read (the strict loader then says why). */
function sha256Of(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

async function parseInlineConfig(raw: string): Promise<AfsyncConfig> {
  const [{ parse: parseYaml }, { parseConfig }, { loadOptionsRegistry }] = await Promise.all([
    import("yaml"),
    import("@afsync/core/config/parseConfig"),
    import("@afsync/runtime/compose/optionSchemaLoaders"),
  ]);
  let input: unknown;
  try {
    input = parseYaml(raw);
  } catch (error) {
    throw new ConfigError(CONFIG_ENV, `does not parse as YAML/JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseConfig(input, await loadOptionsRegistry(input));
}
