import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type AirflowValue, connectionKey, variableKey } from "@afsync/core";
import { connectionFromJson } from "@afsync/core/formats/connectionJson";
import { runDeploymentTargetContract } from "@afsync/testing";
import fc from "fast-check";
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
      assert.equal((await stat(path)).mode & 0o777, 0o644, "the file keeps the mode it had");

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

describe("EnvFileTarget (property)", () => {
  it("after any sequence of upserts and deletes, reads back exactly the owned keys and keeps the other lines", async () => {
    const value = fc
      .oneof(
        fc.string(),
        fc.string({ unit: "binary-ascii" }),
        fc.constantFrom("it's", "ends\\", "$HOME", "$$", "a\nb", "'", '"', "\\'", "#x", " x ", "`cmd`"),
      )
      .filter((v) => !v.includes("\0"));
    const op = fc.oneof(
      fc.record({ kind: fc.constant("var" as const), id: fc.constantFrom("a", "B", "mixed_Case"), value }),
      // A "" password reads back as null, as in Airflow (`Connection.from_json` keeps no empty password).
      fc.record({ kind: fc.constant("conn" as const), id: fc.constantFrom("db", "api"), password: value.filter((v) => v !== "") }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom("var:a", "var:B", "var:mixed_Case", "conn:db", "conn:api") }),
    );
    const unrelated = '# keep me\nAIRFLOW__CORE__LOAD_EXAMPLES=False\nQUOTED="x y" # comment\n';
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const { dir, cleanup } = await makeTempDir();
        try {
          const path = join(dir, ".env");
          await writeFile(path, unrelated);
          const target = new EnvFileTarget(path);
          const model = new Map<string, AirflowValue>();
          for (const o of ops) {
            if (o.kind === "delete") {
              const key = o.key.startsWith("var:") ? variableKey(o.key.slice(4)) : connectionKey(o.key.slice(5));
              await target.apply({ upserts: [], deletes: [key], manifest: [] });
              model.delete(o.key);
            } else if (o.kind === "var") {
              const v: AirflowValue = { kind: "variable", value: o.value };
              await target.apply({ upserts: [{ key: variableKey(o.id), value: v }], deletes: [], manifest: [] });
              model.set(`var:${o.id}`, v);
            } else {
              const v: AirflowValue = {
                kind: "connection",
                connection: { conn_type: "http", host: "h", login: "l", password: o.password, schema: "s", port: 443, extra: null },
              };
              await target.apply({ upserts: [{ key: connectionKey(o.id), value: v }], deletes: [], manifest: [] });
              model.set(`conn:${o.id}`, v);
            }
          }
          const snapshot = await target.read();
          for (const key of ["var:a", "var:B", "var:mixed_Case", "conn:db", "conn:api"] as const) {
            assert.deepEqual(snapshot.entries.get(key)?.value, model.get(key), key);
          }
          assert.ok((await readFile(path, "utf8")).startsWith(unrelated));
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("EnvFileTarget (what it keeps between runs)", () => {
  // Files a write must keep exactly: no final line break, a duplicate, a key marker left dangling
  // above where an append lands, a marker naming another variable, a marker that names the
  // assignment after the next one (deleting the one between makes it the marker of that one).
  const files = [
    "# afsync-key: var:MY_Var\nAIRFLOW_VAR_B='1'\nAIRFLOW_VAR_MY_VAR='x'\n",
    "OTHER=1",
    "AIRFLOW_VAR_A=x\nAIRFLOW_VAR_A=y\n# afsync-key: var:MY_Var\n",
    "# afsync-key: var:a\nUNRELATED='q'\n\nexport AIRFLOW_VAR_B=\"b\" # c\n",
    "",
  ];
  const key = fc.oneof(fc.constantFrom("a", "B", "MY_Var", "my_var").map(variableKey), fc.constantFrom("db", "Db").map(connectionKey));
  const value = fc.constantFrom("v", "it's", "a\nb", "$x", "");
  const request = fc.record({
    upserts: fc.uniqueArray(fc.record({ key, value }), { maxLength: 3, selector: (u) => `${u.key.kind}:${u.key.id}` }),
    deletes: fc.array(key, { maxLength: 2 }),
  });

  it("reads and writes after its own writes exactly as a target that parses the file afresh", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.array(request, { minLength: 1, maxLength: 4 }), async (original, requests) => {
        const { dir, cleanup } = await makeTempDir();
        try {
          const kept = join(dir, "kept.env");
          const fresh = join(dir, "fresh.env");
          await writeFile(kept, original);
          await writeFile(fresh, original);
          const target = new EnvFileTarget(kept);
          await target.read();
          for (const r of requests) {
            const req = {
              upserts: r.upserts.map((u): { key: typeof u.key; value: AirflowValue } => ({
                key: u.key,
                value:
                  u.key.kind === "variable"
                    ? { kind: "variable", value: u.value }
                    : {
                        kind: "connection",
                        connection: {
                          conn_type: "http",
                          host: "h",
                          login: null,
                          password: u.value || null,
                          schema: null,
                          port: null,
                          extra: null,
                        },
                      },
              })),
              deletes: r.deletes,
              manifest: [],
            };
            await target.apply(req);
            await new EnvFileTarget(fresh).apply(req);
            assert.equal(await readFile(kept, "utf8"), await readFile(fresh, "utf8"));
            assert.deepEqual((await target.read()).entries, (await new EnvFileTarget(fresh).read()).entries);
          }
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});
