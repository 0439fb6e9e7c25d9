import { fileURLToPath } from "node:url";
import { bundleSideFile } from "@afsync/runtime/bundle/bundleSideFile";
import type { Plugin } from "esbuild";

/** The file beside each Lambda bundle that holds the worker's SQS sender (`runtime/sqsSenderEntry.ts`). */
export const SQS_SENDER_SIDE_FILE = "afsync-sqs-sender.cjs";

/**
 * The SQS sender in a file beside the bundles that import `sqsSenderEntry` (the worker's), required
 * on its first send (see `bundleSideFile`). It carries its own copy of the SDK's core: loaded only
 * by a worker that sends, which the deployed one never does.
 */
export function sqsSenderSideFile(): Plugin {
  return bundleSideFile({ entry: fileURLToPath(new URL("../runtime/sqsSenderEntry.ts", import.meta.url)), file: SQS_SENDER_SIDE_FILE });
}
