/**
 * `npm run package:gcp` builds the deployable source directory offline, and the bundle, loaded
 * the way the Functions Framework loads it (require of package.json's main, next to nothing but
 * the framework in node_modules), registers the four functions.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfigFile } from "@afsync/runtime/config/loadConfigFile";
import { GCP_FUNCTIONS } from "../src/registerGcpFunctions.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "afsync-package-gcp-"));
after(() => rmSync(out, { recursive: true, force: true }));

describe("npm run package:gcp", () => {
  it("builds index.js, its strict config side file, package.json and the config, offline", () => {
    const run = spawnSync("npm", ["run", "--silent", "package:gcp", "--", "--out", out], { cwd: root, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
    const manifest = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
    assert.equal(manifest.main, "index.js");
    assert.equal(manifest.type, undefined, "index.js is CommonJS");
    assert.deepEqual(Object.keys(manifest.dependencies), ["@google-cloud/functions-framework"]);
    assert.ok(existsSync(join(out, "afsync.config.yaml")));
    // Another config's YAML parser and schemas, required from beside index.js only for it.
    assert.ok(existsSync(join(out, "afsync-strict-config.cjs")));
    assert.doesNotMatch(readFileSync(join(out, "index.js"), "utf8"), /YAMLParseError/, "the YAML parser is not in index.js");
    assert.doesNotMatch(readFileSync(join(out, "index.js"), "utf8"), /require\("@afsync\//, "workspace packages are inside the bundle");
  });

  it("ships a config that parses, keeps state in the target (functions have no lasting disk) and reads a gcp-secret-manager source", async () => {
    const config = await loadConfigFile(join(out, "afsync.config.yaml"));
    assert.equal(config.state.type, "target");
    assert.deepEqual(
      config.sources.map((s) => s.type),
      ["gcp-secret-manager"],
    );
  });

  it("loads with only the Functions Framework installed and registers every entry point", () => {
    // What the buildpack installs: the framework alone (linked to the lockfile's copy; no network).
    const framework = join(out, "node_modules", "@google-cloud", "functions-framework");
    mkdirSync(dirname(framework), { recursive: true });
    symlinkSync(join(root, "node_modules", "@google-cloud", "functions-framework"), framework, "dir");
    const probe = `
      require("./index.js");
      const { getFunction } = require("@google-cloud/functions-framework/testing");
      const names = ${JSON.stringify(Object.values(GCP_FUNCTIONS))};
      console.log(JSON.stringify(Object.fromEntries(names.map((n) => [n, typeof getFunction(n)]))));
    `;
    const run = spawnSync(process.execPath, ["-e", probe], {
      cwd: out,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, NODE_PATH: "" },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}"), {
      events: "function",
      push: "function",
      reconcile: "function",
      worker: "function",
    });
  });
});
