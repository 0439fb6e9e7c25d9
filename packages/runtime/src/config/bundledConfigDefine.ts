import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { adapterOmissionDefines } from "../compose/bundleOmission.ts";
import { BUNDLED_CONFIG_DEFINE, type BundledConfig } from "./bundledConfig.ts";
import { loadConfigFile } from "./loadConfigFile.ts";

/**
 * The validated config as an esbuild define (see `bundledConfig`), keyed by the SHA-256 of the
 * bytes it was parsed from (`before`, read before parsing). Nothing is embedded when the file
 * changed while it was read, or when the parsed config would not survive JSON (an adapter schema
 * producing a Date or a RegExp): the function then parses the file at cold start, as before.
 */
export function bundledConfigDefine(path: string, before: Buffer | undefined, config: AfsyncConfig): Record<string, string> {
  const after = readBytes(path);
  if (before === undefined || after === undefined || !before.equals(after)) return {};
  const json = JSON.stringify(config);
  if (!isDeepStrictEqual(JSON.parse(json), config)) return {};
  const bundled: BundledConfig = { sha256: createHash("sha256").update(before).digest("hex"), config };
  // A define's value is JS source: the JSON text as a string literal (see bundledConfig).
  return { [BUNDLED_CONFIG_DEFINE]: JSON.stringify(JSON.stringify(bundled)) };
}

/**
 * Everything a function bundle built for the config at `path` defines: only the source and target
 * types it names (`adapterOmissionDefines`), and the config itself, validated here (a config the
 * functions would reject fails the build, naming the file and key).
 */
export async function functionBundleDefines(path: string): Promise<Record<string, string>> {
  const before = readBytes(path);
  const config = await loadConfigFile(path);
  return { ...adapterOmissionDefines(config), ...bundledConfigDefine(path, before, config) };
}

export function readBytes(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined; // loadConfigFile reports it
  }
}
