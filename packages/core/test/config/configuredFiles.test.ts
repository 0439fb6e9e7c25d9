import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AfsyncConfig, DEFAULT_RECONCILE_CONFIG } from "../../src/config/AfsyncConfig.ts";
import { assertNoFileClashes, configuredFiles } from "../../src/config/configuredFiles.ts";
import { ConfigError } from "../../src/errors.ts";

function config(targets: Record<string, Record<string, unknown>>): AfsyncConfig {
  const deployment = (id: string, options: Record<string, unknown>) => ({
    id,
    target: { type: "t", options },
    sources: ["files"],
    deletion: "retain" as const,
    adopt: false,
    include: ["*"],
    exclude: [],
  });
  return {
    sources: [{ id: "files", type: "local", options: { connections_file_path: "secrets/c.yaml", variables_file_path: "secrets/v.env" } }],
    deployments: Object.entries(targets).map(([id, options]) => deployment(id, options)),
    state: { type: "sqlite", path: ".afsync/state.db" },
    serve: { host: "127.0.0.1", port: 0, reconcileEveryMs: 1 },
    reconcile: DEFAULT_RECONCILE_CONFIG,
  };
}

// The caller resolves symlinks and relative paths; here a plain normalization stands in for it.
const canonical = (c: AfsyncConfig) => configuredFiles(c).map((f) => ({ ...f, canonical: f.path.replace(/^\.\//, "") }));

function clash(c: AfsyncConfig): ConfigError {
  try {
    assertNoFileClashes(canonical(c));
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail("expected a ConfigError");
}

describe("configuredFiles", () => {
  it("lists every file option of sources, targets and the SQLite state, and nothing else", () => {
    const files = configuredFiles(config({ dev: { path: "p/.env" }, api: { url: "http://x", token_env: "T" } }));
    assert.deepEqual(
      files.map((f) => [f.configPath, f.role]),
      [
        ["sources.files.connections_file_path", "source"],
        ["sources.files.variables_file_path", "source"],
        ["deployments.dev.target.path", "target"],
        ["state.path", "state"],
      ],
    );
  });
});

describe("assertNoFileClashes", () => {
  it("accepts targets that each write their own file", () => {
    assert.doesNotThrow(() => assertNoFileClashes(canonical(config({ a: { path: "p/a.env" }, b: { connections_file_path: "p/c.json" } }))));
  });

  it("refuses a target that writes a source file, naming both", () => {
    const e = clash(config({ dev: { path: "./secrets/c.yaml" } }));
    assert.equal(e.path, "deployments.dev.target.path");
    assert.match(
      e.message,
      /Deployment dev writes \.\/secrets\/c\.yaml, which source files reads \(sources\.files\.connections_file_path\)/,
    );
    assert.match(e.message, /secrets\/c\.yaml is the same file/);
  });

  it("refuses two Deployments writing one file, naming both", () => {
    const e = clash(config({ a: { path: "p/.env" }, b: { path: "./p/.env" } }));
    assert.equal(e.path, "deployments.b.target.path");
    assert.match(e.message, /Deployment a \(deployments\.a\.target\.path\) and Deployment b \(deployments\.b\.target\.path\) both write/);
  });

  it("refuses one target writing connections and variables to one file, and a target on the state database", () => {
    assert.match(clash(config({ a: { connections_file_path: "x.json", variables_file_path: "x.json" } })).message, /both write x\.json/);
    assert.match(clash(config({ a: { path: ".afsync/state.db" } })).message, /afsync's state database/);
  });

  it("lists every clash in one error", () => {
    const e = clash(config({ a: { path: "secrets/v.env" }, b: { path: "secrets/v.env" } }));
    assert.match(e.message, /source files reads/);
    assert.match(e.message, /\n {2}deployments\.b\.target\.path: .*both write/);
  });
});
