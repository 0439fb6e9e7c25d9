import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type AirflowValue, connectionKey, variableKey } from "@afsync/core";
import { connectionFromJson } from "@afsync/core/formats/connectionJson";
import { runDeploymentTargetContract } from "@afsync/testing";
import { parseDotenvDocument } from "../src/targets/dotenvDocument.ts";
import { EnvFileTarget } from "../src/targets/EnvFileTarget.ts";
import { makeTempDir } from "./tempDir.ts";

runDeploymentTargetContract("env-file", async () => {
  const { dir, cleanup } = await makeTempDir();
  return { target: new EnvFileTarget(join(dir, ".env")), cleanup };
});

const PG: AirflowValue = {
  kind: "connection",
  connection: { conn_type: "postgres", host: "db", login: "app", password: "p'w$HOME", schema: "app", port: 5432, extra: null },
};

describe("EnvFileTarget", () => {
  it("writes AIRFLOW_CONN_ in Airflow's JSON form and AIRFLOW_VAR_ verbatim, keeping every other line byte for byte", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      const original = "# project settings\nAIRFLOW__CORE__LOAD_EXAMPLES=False\n\nOTHER='x'   # keep\n";
      await writeFile(path, original, { mode: 0o644 });
      const target = new EnvFileTarget(path);
      await target.apply({
        upserts: [
          { key: connectionKey("my_db"), value: PG },
          { key: variableKey("region"), value: { kind: "variable", value: "eu-west-1" } },
        ],
        deletes: [],
        manifest: [],
      });
      const text = await readFile(path, "utf8");
      assert.ok(text.startsWith(original), "unowned lines stay as they were");
      const assigned = Object.fromEntries(parseDotenvDocument(text).flatMap((s) => (s.name ? [[s.name, s.value]] : [])));
      assert.equal(assigned.AIRFLOW__CORE__LOAD_EXAMPLES, "False");
      assert.equal(assigned.AIRFLOW_VAR_REGION, "eu-west-1");
      assert.deepEqual(connectionFromJson(String(assigned.AIRFLOW_CONN_MY_DB)), PG.connection);
      // A `'` forces double quotes, where compose would expand $HOME unless written $$HOME.
      assert.match(text, /AIRFLOW_CONN_MY_DB=".*p'w\$\$HOME.*"/);
      assert.equal((await stat(path)).mode & 0o777, 0o600);

      await target.apply({ upserts: [], deletes: [connectionKey("my_db")], manifest: [] });
      const after = await readFile(path, "utf8");
      assert.equal(after, `${original}AIRFLOW_VAR_REGION='eu-west-1'\n`);
    } finally {
      await cleanup();
    }
  });

  it("rewrites an owned assignment where it stands and drops later duplicates", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      await writeFile(path, "AIRFLOW_VAR_A=old\nMIDDLE=1\nAIRFLOW_VAR_A=older-duplicate\n");
      await new EnvFileTarget(path).apply({
        upserts: [{ key: variableKey("a"), value: { kind: "variable", value: "new" } }],
        deletes: [],
        manifest: [],
      });
      assert.equal(await readFile(path, "utf8"), "AIRFLOW_VAR_A='new'\nMIDDLE=1\n");
    } finally {
      await cleanup();
    }
  });

  it("reads keys the way Airflow looks them up (conn ids lower-cased) and leaves unreadable connections valueless", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      await writeFile(path, "AIRFLOW_CONN_MY_DB=postgres://u:p@h:5432/db\nAIRFLOW_CONN_BROKEN='{not json'\nUNRELATED=1\n");
      const snapshot = await new EnvFileTarget(path).read();
      assert.deepEqual([...snapshot.entries.keys()].sort(), ["conn:broken", "conn:my_db"]);
      assert.equal(snapshot.entries.get("conn:my_db")?.value?.kind, "connection");
      assert.equal(snapshot.entries.get("conn:broken")?.value, undefined);
    } finally {
      await cleanup();
    }
  });

  it("reads a mixed-case key back as the key it wrote (marker comment), and removes the marker with it", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      const target = new EnvFileTarget(path);
      await target.apply({
        upserts: [
          { key: variableKey("MY_Var"), value: { kind: "variable", value: "1" } },
          { key: variableKey("lower"), value: { kind: "variable", value: "2" } },
        ],
        deletes: [],
        manifest: [],
      });
      assert.equal(await readFile(path, "utf8"), "# afsync-key: var:MY_Var\nAIRFLOW_VAR_MY_VAR='1'\nAIRFLOW_VAR_LOWER='2'\n");
      assert.deepEqual([...(await target.read()).entries.keys()].sort(), ["var:MY_Var", "var:lower"]);
      await target.apply({ upserts: [{ key: variableKey("MY_Var"), value: { kind: "variable", value: "3" } }], deletes: [], manifest: [] });
      assert.equal(await readFile(path, "utf8"), "# afsync-key: var:MY_Var\nAIRFLOW_VAR_MY_VAR='3'\nAIRFLOW_VAR_LOWER='2'\n");
      await target.apply({ upserts: [], deletes: [variableKey("MY_Var")], manifest: [] });
      assert.equal(await readFile(path, "utf8"), "AIRFLOW_VAR_LOWER='2'\n");
    } finally {
      await cleanup();
    }
  });

  it("refuses to rewrite a file with an unterminated quote, naming the line", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      const broken = "A=1\nB='s3cr3t never closed\nC=3\n";
      await writeFile(path, broken);
      await assert.rejects(
        new EnvFileTarget(path).apply({
          upserts: [{ key: variableKey("x"), value: { kind: "variable", value: "1" } }],
          deletes: [],
          manifest: [],
        }),
        (error: Error & { code?: string }) =>
          error.code === "INVALID_TARGET_FILE" && /line 2/.test(error.message) && !error.message.includes("s3cr3t"),
      );
      assert.equal(await readFile(path, "utf8"), broken);
    } finally {
      await cleanup();
    }
  });
});
