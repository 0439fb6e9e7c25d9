import assert from "node:assert/strict";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "@afsync/core";
import { type AfsyncConfig, DEFAULT_RECONCILE_CONFIG } from "@afsync/core/config/AfsyncConfig";
import { canonicalPath } from "../src/canonicalPath.ts";
import { checkConfiguredFiles } from "../src/checkConfiguredFiles.ts";
import { makeTempDir } from "./tempDir.ts";

function config(targetPaths: Record<string, string>): AfsyncConfig {
  return {
    sources: [{ id: "files", type: "local", options: { connections_file_path: "secrets/connections.yaml" } }],
    deployments: Object.entries(targetPaths).map(([id, path]) => ({
      id,
      target: { type: "env-file", options: { path } },
      sources: ["files"],
      deletion: "retain" as const,
      adopt: false,
      include: ["*"],
      exclude: [],
    })),
    state: { type: "memory" },
    serve: { host: "127.0.0.1", port: 0, reconcileEveryMs: 1 },
    reconcile: DEFAULT_RECONCILE_CONFIG,
  };
}

describe("checkConfiguredFiles", async () => {
  const { dir, cleanup } = await makeTempDir();
  after(cleanup);
  await mkdir(join(dir, "secrets"));
  await mkdir(join(dir, "project"));
  await writeFile(join(dir, "secrets/connections.yaml"), "a: http://h\n");
  await symlink(join(dir, "secrets/connections.yaml"), join(dir, "project/link.yaml"));
  await symlink(join(dir, "secrets"), join(dir, "secrets-link"));

  it("refuses a target that reaches a source file through a relative path, an absolute path or a symlink", async () => {
    for (const path of [
      "project/../secrets/connections.yaml",
      join(dir, "secrets/connections.yaml"),
      "project/link.yaml",
      "secrets-link/connections.yaml",
    ]) {
      await assert.rejects(
        checkConfiguredFiles(config({ dev: path }), dir),
        (e: unknown) =>
          e instanceof ConfigError && e.path === "deployments.dev.target.path" && /sources\.files\.connections_file_path/.test(e.message),
        path,
      );
    }
  });

  it("refuses two Deployments whose targets are one file not created yet, spelled two ways", async () => {
    await assert.rejects(
      checkConfiguredFiles(config({ a: "project/new/.env", b: "secrets-link/../project/new/.env" }), dir),
      /Deployment a .* and Deployment b .* both write/,
    );
  });

  it("accepts distinct files", async () => {
    await checkConfiguredFiles(config({ a: "project/a.env", b: "project/b.env" }), dir);
  });

  it("canonicalPath resolves the part that exists and keeps the rest", async () => {
    assert.equal(
      await canonicalPath(join(dir, "secrets-link", "missing", "x.env")),
      join(await canonicalPath(join(dir, "secrets")), "missing", "x.env"),
    );
  });
});
