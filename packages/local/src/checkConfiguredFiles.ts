import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { assertNoFileClashes, configuredFiles } from "@afsync/core/config/configuredFiles";
import { canonicalPath } from "./canonicalPath.ts";
import { resolveConfigPath } from "./localPaths.ts";

/** Refuses a config whose targets would write a source file, the state database or each other's file (ConfigError). */
export async function checkConfiguredFiles(config: AfsyncConfig, configDir: string): Promise<void> {
  const files = await Promise.all(
    configuredFiles(config).map(async (f) => ({ ...f, canonical: await canonicalPath(resolveConfigPath(configDir, f.path)) })),
  );
  assertNoFileClashes(files);
}
