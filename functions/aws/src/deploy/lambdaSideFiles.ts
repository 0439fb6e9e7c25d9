import { strictConfigSideFile } from "@afsync/runtime/config/strictConfigSideFile";
import type { Plugin } from "esbuild";
import { secretEnvReaderSideFile } from "./secretEnvReaderSideFile.ts";
import { sqsSenderSideFile } from "./sqsSenderSideFile.ts";

/**
 * The side files of the Lambda bundles (`bundleSideFile`), one plugin that registers them all
 * (serverless-esbuild applies `custom.esbuild.plugins` to every function): the strict config path,
 * the worker's SQS sender, and the Secrets Manager reader of the functions that map no secret. A bundle that imports none of their entries gets none of the files.
 */
export function lambdaSideFiles(): Plugin {
  const plugins = [strictConfigSideFile(), sqsSenderSideFile(), secretEnvReaderSideFile()];
  return {
    name: "afsync-lambda-side-files",
    async setup(build) {
      for (const plugin of plugins) await plugin.setup(build);
    },
  };
}
