// serverless-esbuild's `custom.esbuild.plugins` (serverless.yml): the esbuild plugins every Lambda
// bundle is built with. CommonJS because serverless-esbuild `require()`s it; the plugin itself is
// TypeScript, loaded through tsx as iam-from-config.cjs loads the deploy facts.
"use strict";

const { pathToFileURL } = require("node:url");

module.exports = [
  {
    // The strict config path in a file beside each bundle (packages/runtime/src/config/strictConfigSideFile.ts).
    name: "afsync-strict-config-side-file",
    async setup(build) {
      const { tsImport } = await import("tsx/esm/api");
      const { strictConfigSideFile } = await tsImport("@afsync/runtime/config/strictConfigSideFile", pathToFileURL(__filename).href);
      return strictConfigSideFile().setup(build);
    },
  },
];
