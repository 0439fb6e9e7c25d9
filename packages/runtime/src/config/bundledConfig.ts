import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";

/**
 * The config a function bundle was built for, validated at build time (`bundledConfigDefine`, the
 * same `loadConfigFile` as at run time) and embedded by esbuild's `define` as
 * `globalThis.AFSYNC_BUNDLED_CONFIG`, with the SHA-256 of the file's bytes. `configFromBundle`
 * hands it out only for a file with exactly those bytes; any other config is parsed and validated
 * strictly at cold start. Unbundled (tsx, tests) it is undefined.
 *
 * A global rather than `process.env.*`: an environment variable can be set at deploy time, and a
 * config that arrives that way must never skip validation. A string (the JSON text) rather than
 * an object literal: esbuild inlines a string define where it is read, but hoists an object one
 * into a module of its own that every other module of the bundle then initialises first.
 */
export interface BundledConfig {
  /** Hex SHA-256 of the config file's bytes. */
  readonly sha256: string;
  readonly config: AfsyncConfig;
}

export const BUNDLED_CONFIG_DEFINE = "globalThis.AFSYNC_BUNDLED_CONFIG";

// The configs bundledConfig() handed out: objects made here from the build-time text only, so no
// input (a file, an environment variable) can produce one.
const embedded = new WeakSet<AfsyncConfig>();

export function bundledConfig(): BundledConfig | undefined {
  // esbuild replaces this exact member expression (BUNDLED_CONFIG_DEFINE) with the JSON text.
  const json = (globalThis as { AFSYNC_BUNDLED_CONFIG?: string }).AFSYNC_BUNDLED_CONFIG;
  if (typeof json !== "string") return undefined;
  const bundled = JSON.parse(json) as BundledConfig;
  embedded.add(bundled.config);
  return bundled;
}

/**
 * Whether `config` is the one embedded in this bundle: `parseConfig`'s output at packaging, so
 * each adapter's options are already what its schema returns (defaults applied), and the adapters
 * can be built without parsing them again (`loadSourceCreate`).
 */
export function isEmbeddedConfig(config: AfsyncConfig): boolean {
  return embedded.has(config);
}

/** The embedded config when the file at `path` holds the very bytes it was built from; else undefined. */
export function configFromBundle(path: string): AfsyncConfig | undefined {
  const bundled = bundledConfig();
  if (bundled === undefined) return undefined;
  return sha256Of(path) === bundled.sha256 ? bundled.config : undefined;
}

/**
 * The config in the file at `path`: the embedded one when the bytes match, else read and
 * validated strictly by `loadConfigFile`, whose YAML parser and schemas are loaded only then (in a
 * function bundle from a file of their own, `strictConfig.ts`), so the usual cold start neither
 * evaluates nor parses them.
 */
export async function loadBundledConfigFile(path: string, env: NodeJS.ProcessEnv = {}): Promise<AfsyncConfig> {
  const embedded = configFromBundle(path);
  if (embedded !== undefined) return embedded;
  const { loadStrictConfigFile } = await import("./strictConfig.ts");
  return loadStrictConfigFile(path, env);
}

/** The file's SHA-256, or undefined when it cannot be read (the strict loader then says why). */
function sha256Of(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}
