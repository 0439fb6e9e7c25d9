import { fileURLToPath } from "node:url";
import type { Plugin } from "esbuild";
import { bundleSideFile } from "../bundle/bundleSideFile.ts";

/** The file beside each function bundle that holds the strict config path (`strictConfig.ts`). */
export const STRICT_CONFIG_SIDE_FILE = "afsync-strict-config.cjs";

/**
 * The strict config path (`strictConfigEntry.ts`: the YAML parser, the config schema and every
 * adapter's option schema, about 215 KB) in a file beside each function bundle, required only for
 * a config that is not the one the bundle embeds (see `bundleSideFile`).
 */
export function strictConfigSideFile(): Plugin {
  return bundleSideFile({ entry: fileURLToPath(new URL("./strictConfigEntry.ts", import.meta.url)), file: STRICT_CONFIG_SIDE_FILE });
}
