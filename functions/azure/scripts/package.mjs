#!/usr/bin/env node
/**
 * `npm run package:azure`: the function app's deployable zip, built offline.
 *
 *   node functions/azure/scripts/package.mjs [--config <afsync.yaml>] [--out <zip>]
 *
 * esbuild bundles functions/azure/src/index.ts and everything it imports (the runtime, the
 * providers, the targets, the Azure SDKs and @azure/functions) into one CommonJS file, so the zip
 * needs no node_modules and no remote build. Beside it: host.json, a package.json whose `main`
 * the Functions Node worker reads to find the functions, the afsync config (AFSYNC_CONFIG's
 * default) and, beside the bundle, the strict config path for any other config (`strictConfigSideFile`). The bundle holds only the source and target types that config names, and the config
 * itself, validated at packaging. Deploy it with `az functionapp deployment source config-zip` (docs/deploy/azure.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import JSZip from "jszip";
import { tsImport } from "tsx/esm/api";

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    config: { type: "string", default: join(appDir, "afsync.config.yaml") },
    out: { type: "string", default: join(appDir, "dist", "afsync-azure-functions.zip") },
  },
});

// Only the source and target types the config names, and the config itself validated here (a
// config the app would reject fails the package, naming the file and key): the cold start then
// neither parses YAML nor runs the schemas for the file it ships with (see bundledConfig.ts).
const { functionBundleDefines } = await tsImport("@afsync/runtime/config/bundledConfigDefine", import.meta.url);
const configDefines = await functionBundleDefines(resolve(values.config));
// The strict config path (YAML parser, schemas) for any other config, in dist/ beside the bundle.
const { strictConfigSideFile, STRICT_CONFIG_SIDE_FILE } = await tsImport("@afsync/runtime/config/strictConfigSideFile", import.meta.url);

const bundled = await build({
  entryPoints: [join(appDir, "src", "index.ts")],
  bundle: true,
  write: false,
  platform: "node",
  target: "node20",
  // CommonJS: the Azure SDKs' CJS builds need no require shim, and the entry has no top-level await.
  format: "cjs",
  minify: true,
  // Errors carry their class name (AfsyncError sets name from the class): keep it readable.
  keepNames: true,
  outfile: "dist/index.js",
  // Some dependencies ship only ESM that calls createRequire(import.meta.url); in a CJS bundle
  // import.meta is empty, so give it the bundle's own URL.
  banner: { js: 'const __afsyncImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "__afsyncImportMetaUrl", ...configDefines },
  // Provided by the Functions Node worker at run time, never installed (@azure/functions asks for it
  // lazily to register the functions). better-sqlite3 is the CLI's local state store, loaded only for
  // `state.type: sqlite`, which the function app does not use: its native module is not shipped.
  external: ["@azure/functions-core", "better-sqlite3"],
  plugins: [strictConfigSideFile()],
  logLevel: "warning",
});
const script = bundled.outputFiles.find((f) => f.path.endsWith("index.js"));
const strictConfig = bundled.outputFiles.find((f) => f.path.endsWith(STRICT_CONFIG_SIDE_FILE));
if (script === undefined || strictConfig === undefined) throw new Error("esbuild produced no bundle or no strict config side file");

// A fixed date keeps the zip byte-identical for identical inputs.
const date = new Date("2000-01-01T00:00:00Z");
const zip = new JSZip();
zip.file("host.json", readFileSync(join(appDir, "host.json")), { date, createFolders: false });
zip.file(
  "package.json",
  `${JSON.stringify({ name: "afsync-azure-functions", version: readVersion(), private: true, main: "dist/index.js" }, null, 2)}\n`,
  { date, createFolders: false },
);
zip.file("dist/index.js", script.contents, { date, createFolders: false });
zip.file(`dist/${STRICT_CONFIG_SIDE_FILE}`, strictConfig.contents, { date, createFolders: false });
zip.file("afsync.config.yaml", readFileSync(values.config), { date, createFolders: false });
const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
const content = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE", platform: "UNIX" });
writeFileSync(out, content);
process.stdout.write(`${relative(process.cwd(), out) || out}: ${Object.keys(zip.files).length} files, ${content.length} bytes\n`);

function readVersion() {
  return JSON.parse(readFileSync(join(appDir, "package.json"), "utf8")).version;
}
