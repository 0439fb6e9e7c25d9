import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";

/**
 * The config the bundle was built for, validated at build time (`awsDeployFacts`, the same
 * `loadConfigFile` as at run time) and embedded by esbuild's `define` as
 * `globalThis.AFSYNC_BUNDLED_CONFIG`, with the SHA-256 of the file's bytes. `loadLambdaConfig`
 * uses it only when the file AFSYNC_CONFIG names has exactly those bytes; any other config is
 * parsed and validated strictly at cold start. Unbundled (tsx, tests) it is undefined.
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

export function bundledConfig(): BundledConfig | undefined {
  // esbuild replaces this exact member expression (BUNDLED_CONFIG_DEFINE) with the JSON text.
  const json = (globalThis as { AFSYNC_BUNDLED_CONFIG?: string }).AFSYNC_BUNDLED_CONFIG;
  return typeof json === "string" ? (JSON.parse(json) as BundledConfig) : undefined;
}
