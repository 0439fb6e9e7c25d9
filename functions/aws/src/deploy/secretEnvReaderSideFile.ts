import { fileURLToPath } from "node:url";
import { bundleSideFile } from "@afsync/runtime/bundle/bundleSideFile";
import type { Plugin } from "esbuild";

/** The file beside the Lambda bundles that reads `AFSYNC_ENV_FROM_SECRETS` for the functions that map no secret (`runtime/secretEnvReaderEntry.ts`). */
export const SECRET_ENV_READER_SIDE_FILE = "afsync-secret-env-reader.cjs";

/**
 * The Secrets Manager reader in a file beside the bundles that import `secretEnvReaderEntry`
 * (`coldStart`'s default, which events and coalesce keep), required only when a mapping names one
 * (see `bundleSideFile`).
 */
export function secretEnvReaderSideFile(): Plugin {
  return bundleSideFile({
    entry: fileURLToPath(new URL("../runtime/secretEnvReaderEntry.ts", import.meta.url)),
    file: SECRET_ENV_READER_SIDE_FILE,
  });
}
