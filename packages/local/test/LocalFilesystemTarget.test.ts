import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type AirflowValue, connectionKey, variableKey } from "@afsync/core";
import { parseLocalFilesystemFile } from "@afsync/core/formats/localFilesystemFile";
import { runDeploymentTargetContract } from "@afsync/testing";
import { LocalFilesystemTarget } from "../src/targets/LocalFilesystemTarget.ts";
import { localFilesystemTargetFactory } from "../src/targets/localFilesystemTargetFactory.ts";
import { makeTempDir } from "./tempDir.ts";

runDeploymentTargetContract("local-filesystem", async () => {
  const { dir, cleanup } = await makeTempDir();
  return {
    target: new LocalFilesystemTarget({
      connectionsFilePath: join(dir, "connections.json"),
      variablesFilePath: join(dir, "variables.json"),
    }),
    cleanup,
  };
});

const PG: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "postgres",
    description: "main db",
    host: "db",
    login: "app",
    password: "pw",
    schema: "app",
    port: 5432,
    extra: { a: 1 },
  },
};

describe("LocalFilesystemTarget", () => {
  it("writes what Airflow's LocalFilesystemBackend reads back as the same connection, keeping other keys", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const connections = join(dir, "connections.json");
      await writeFile(connections, JSON.stringify({ theirs: "mysql://host_1" }), { mode: 0o640 });
      const target = new LocalFilesystemTarget({ connectionsFilePath: connections });
      await target.apply({ upserts: [{ key: connectionKey("pg"), value: PG }], deletes: [], manifest: [] });
      const text = await readFile(connections, "utf8");
      const parsed = parseLocalFilesystemFile(text, "json", "connection");
      assert.deepEqual(parsed.problems, []);
      assert.deepEqual(parsed.entries.find((e) => e.key === "pg")?.value, PG);
      assert.ok(parsed.entries.some((e) => e.key === "theirs"));
      assert.equal((await stat(connections)).mode & 0o777, 0o640, "the file keeps the mode it had");
    } finally {
      await cleanup();
    }
  });

  it("reports a key of a kind it has no file for as failed, and writes nothing for it", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const target = new LocalFilesystemTarget({ connectionsFilePath: join(dir, "c.json") });
      const outcome = await target.apply({
        upserts: [{ key: variableKey("v"), value: { kind: "variable", value: "x" } }],
        deletes: [],
        manifest: [],
      });
      assert.deepEqual(outcome.results, [{ key: "var:v", ok: false, error: "no variables_file_path configured for this target" }]);
    } finally {
      await cleanup();
    }
  });

  it("refuses to overwrite a file that is not a JSON object", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "v.json");
      await writeFile(path, '{"a": "s3cr3t", ');
      const target = new LocalFilesystemTarget({ variablesFilePath: path });
      await assert.rejects(
        target.apply({ upserts: [{ key: variableKey("v"), value: { kind: "variable", value: "x" } }], deletes: [], manifest: [] }),
        (error: Error & { code?: string }) => error.code === "INVALID_TARGET_FILE" && !error.message.includes("s3cr3t"),
      );
      assert.equal(await readFile(path, "utf8"), '{"a": "s3cr3t", ');
    } finally {
      await cleanup();
    }
  });

  it("treats an empty existing file as empty and fills it", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "v.json");
      await writeFile(path, "");
      const target = new LocalFilesystemTarget({ variablesFilePath: path });
      assert.equal((await target.read()).entries.size, 0);
      await target.apply({ upserts: [{ key: variableKey("v"), value: { kind: "variable", value: "x" } }], deletes: [], manifest: [] });
      assert.deepEqual(JSON.parse(await readFile(path, "utf8")), { v: "x" });
    } finally {
      await cleanup();
    }
  });

  it("factory requires JSON paths and at least one of them", () => {
    const schema = localFilesystemTargetFactory.schema;
    assert.equal(schema.safeParse({}).success, false);
    assert.equal(schema.safeParse({ connections_file_path: "c.yaml" }).success, false);
    assert.equal(schema.safeParse({ connections_file_path: "c.json", nope: 1 }).success, false);
    assert.equal(schema.safeParse({ variables_file_path: "v.json" }).success, true);
  });
});
