// serverless-esbuild's `custom.esbuild.plugins` (serverless.yml): the esbuild plugins every Lambda
// bundle is built with. CommonJS because serverless-esbuild `require()`s it; the plugin itself is
// TypeScript, loaded through tsx as iam-from-config.cjs loads the deploy facts.
"use strict";

const { pathToFileURL } = require("node:url");

module.exports = [
  {
    // The side files beside each bundle: the strict config path, the worker's SQS sender, the
    // events and coalesce functions' Secrets Manager reader
    // (functions/aws/src/deploy/lambdaSideFiles.ts).
    name: "afsync-lambda-side-files",
    async setup(build) {
      const { tsImport } = await import("tsx/esm/api");
      const { lambdaSideFiles } = await tsImport("./src/deploy/lambdaSideFiles.ts", pathToFileURL(__filename).href);
      return lambdaSideFiles().setup(build);
    },
  },
];
