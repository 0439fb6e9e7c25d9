#!/usr/bin/env node
// `npm run package:gcp [-- --out <dir>] [-- --config <afsync.yaml>]`: the source directory
// `gcloud functions deploy --source` and Terraform's archive take, built offline:
//   index.js            every function in one CommonJS bundle (esbuild); each deployment picks
//                       its --entry-point (events, push, reconcile, worker)
//   package.json        main: index.js; its one dependency is the Functions Framework, which the
//                       Node.js buildpack installs and which invokes the entry point
//   afsync.config.yaml  the config the functions run with (AFSYNC_CONFIG), no credentials; the
//                       bundle embeds it validated and holds only the types it names
//   afsync-strict-config.cjs  the YAML parser and schemas for any other config, required only
//                       then (strictConfigSideFile: V8 pre-parses all of index.js at load)
//   afsync-cloud-storage.cjs  the Cloud Storage SDK, required on the fan-out ledger's first use
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { tsImport } from "tsx/esm/api";

const here = dirname(fileURLToPath(import.meta.url));
const workspace = resolve(here, "..");
const { values } = parseArgs({
  options: {
    out: { type: "string", default: join(workspace, "dist") },
    config: { type: "string", default: join(workspace, "afsync.config.yaml") },
  },
});
const out = resolve(values.out);
const manifest = JSON.parse(readFileSync(join(workspace, "package.json"), "utf8"));
const FRAMEWORK = "@google-cloud/functions-framework";

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const started = performance.now();
// Only the source and target types the config names, and the config itself validated here (a
// config the functions would reject fails the package, naming the file and key): the cold start
// then neither parses YAML nor runs the schemas for the file it ships with (see bundledConfig.ts).
const { functionBundleDefines } = await tsImport("@afsync/runtime/config/bundledConfigDefine", import.meta.url);
const define = await functionBundleDefines(resolve(values.config));
// Beside index.js, each required only when needed (V8 pre-parses all of index.js at load): the
// strict config path (YAML parser, schemas) for any other config, and the Cloud Storage SDK for
// the fan-out ledger's first read or write.
const { strictConfigSideFile } = await tsImport("@afsync/runtime/config/strictConfigSideFile", import.meta.url);
const { bundleSideFile } = await tsImport("@afsync/runtime/bundle/bundleSideFile", import.meta.url);
const cloudStorage = bundleSideFile({ entry: join(workspace, "src", "fanout", "cloudStorageEntry.ts"), file: "afsync-cloud-storage.cjs" });
const result = await build({
  entryPoints: [join(workspace, "src", "index.ts")],
  outfile: join(out, "index.js"),
  bundle: true,
  platform: "node",
  target: "node20",
  // CommonJS: google-gax and the framework are CJS, and the framework require()s the entry point.
  format: "cjs",
  minify: true,
  // Errors carry their class name (AfsyncError sets name from the class): keep it readable.
  keepNames: true,
  // The framework must be the instance the buildpack installs and runs, or the registrations land
  // in another copy. SQLite is only loaded for `state.type: sqlite`, which a function never uses.
  external: [FRAMEWORK, "better-sqlite3"],
  define,
  plugins: [strictConfigSideFile(), cloudStorage],
  logLevel: "warning",
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);
writeFileSync(
  join(out, "package.json"),
  `${JSON.stringify(
    {
      name: "afsync-functions-gcp",
      version: manifest.version,
      private: true,
      main: "index.js",
      engines: { node: ">=20" },
      dependencies: { [FRAMEWORK]: manifest.dependencies[FRAMEWORK] },
    },
    null,
    2,
  )}\n`,
);
copyFileSync(resolve(values.config), join(out, "afsync.config.yaml"));
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `package:gcp: ${out} (index.js ${(bytes / 1024 / 1024).toFixed(1)} MB, built in ${Math.round(performance.now() - started)} ms)`,
);
