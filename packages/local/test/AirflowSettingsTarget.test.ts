import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { type AirflowValue, connectionKey, variableKey } from "@afsync/core";
import { runDeploymentTargetContract } from "@afsync/testing";
import fc from "fast-check";
import { parse } from "yaml";
import { AirflowSettingsTarget } from "../src/targets/AirflowSettingsTarget.ts";
import { airflowSettingsTargetFactory } from "../src/targets/airflowSettingsTargetFactory.ts";
import { makeTempDir } from "./tempDir.ts";

runDeploymentTargetContract("airflow-settings", async () => {
  const { dir, cleanup } = await makeTempDir();
  return { target: new AirflowSettingsTarget(join(dir, "airflow_settings.yaml")), cleanup };
});

// What `astro dev init` writes, plus a hand-made connection, a pool and a variable afsync does not own.
const HAND_MADE = `# This file allows you to configure Airflow Connections, Pools, and Variables in a single place for local development only.
airflow:
  connections:
    - conn_id: hand_made
      conn_type: http
      conn_host: example.com
      conn_port: 443
      conn_extra:
        example_extra_field: example-value
    - conn_id:
      conn_type:
      conn_host:
  pools:
    - pool_name: etl
      pool_slot: 5
      pool_description: "ETL jobs"
  variables:
    - variable_name: hand_var
      variable_value: 42
`;

const PG: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "postgres",
    host: "db",
    login: "app",
    password: "yes",
    schema: "app",
    port: 5432,
    extra: { sslmode: "require" },
  },
};

describe("AirflowSettingsTarget", () => {
  it("writes Astro CLI fields and keeps pools, hand-made entries and placeholders as they were", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      await writeFile(path, HAND_MADE, { mode: 0o644 });
      const target = new AirflowSettingsTarget(path);
      await target.apply({
        upserts: [
          { key: connectionKey("pg"), value: PG },
          { key: variableKey("env"), value: { kind: "variable", value: "123" } },
        ],
        deletes: [],
        manifest: [],
      });
      const text = await readFile(path, "utf8");
      assert.ok(text.startsWith("# This file allows you to configure"), "the header comment stays");
      const doc = parse(text);
      assert.deepEqual(doc.airflow.pools, [{ pool_name: "etl", pool_slot: 5, pool_description: "ETL jobs" }]);
      assert.deepEqual(doc.airflow.connections[0], {
        conn_id: "hand_made",
        conn_type: "http",
        conn_host: "example.com",
        conn_port: 443,
        conn_extra: { example_extra_field: "example-value" },
      });
      assert.deepEqual(doc.airflow.connections[1], { conn_id: null, conn_type: null, conn_host: null });
      assert.deepEqual(doc.airflow.connections[2], {
        conn_id: "pg",
        conn_type: "postgres",
        conn_host: "db",
        conn_schema: "app",
        conn_login: "app",
        conn_password: "yes", // quoted, so YAML 1.1 readers (viper) do not turn it into true
        conn_port: 5432,
        conn_extra: { sslmode: "require" },
      });
      assert.match(text, /conn_password: "yes"/);
      assert.deepEqual(doc.airflow.variables, [
        { variable_name: "hand_var", variable_value: 42 },
        { variable_name: "env", variable_value: "123" },
      ]);
      assert.equal((await stat(path)).mode & 0o777, 0o644, "the file keeps the mode it had");

      const snapshot = await target.read();
      assert.deepEqual([...snapshot.entries.keys()].sort(), ["conn:hand_made", "conn:pg", "var:env", "var:hand_var"]);
      assert.deepEqual(snapshot.entries.get("var:hand_var")?.value, { kind: "variable", value: "42" });
      assert.deepEqual(snapshot.entries.get("conn:pg")?.value, PG);
    } finally {
      await cleanup();
    }
  });

  it("updates and deletes only the items it is asked to", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      await writeFile(path, HAND_MADE);
      const target = new AirflowSettingsTarget(path);
      await target.apply({ upserts: [{ key: connectionKey("pg"), value: PG }], deletes: [], manifest: [] });
      const rotated: AirflowValue = { kind: "connection", connection: { ...PG.connection, password: "rotated" } } as AirflowValue;
      await target.apply({ upserts: [{ key: connectionKey("pg"), value: rotated }], deletes: [variableKey("absent")], manifest: [] });
      let doc = parse(await readFile(path, "utf8"));
      assert.equal(doc.airflow.connections.length, 3);
      assert.equal(doc.airflow.connections[2].conn_password, "rotated");
      await target.apply({ upserts: [], deletes: [connectionKey("pg")], manifest: [] });
      doc = parse(await readFile(path, "utf8"));
      assert.deepEqual(
        doc.airflow.connections.map((c: { conn_id: unknown }) => c.conn_id),
        ["hand_made", null],
      );
      assert.equal(doc.airflow.pools.length, 1);
    } finally {
      await cleanup();
    }
  });

  it("refuses to rewrite a file that is not valid YAML, and says where, without quoting it", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      const broken = 'airflow:\n  connections:\n    - conn_id: x\n      conn_password: "s3cr3t-unclosed\n';
      await writeFile(path, broken);
      const target = new AirflowSettingsTarget(path);
      await assert.rejects(
        target.apply({ upserts: [{ key: connectionKey("pg"), value: PG }], deletes: [], manifest: [] }),
        (error: Error & { code?: string }) =>
          error.code === "INVALID_TARGET_FILE" && error.message.includes(path) && !error.message.includes("s3cr3t"),
      );
      assert.equal(await readFile(path, "utf8"), broken);
    } finally {
      await cleanup();
    }
  });

  it("edits only the lines of the items it owns: everything else stays byte for byte", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      const original = [
        "airflow:",
        "  connections:",
        "    # hand made, with the user's own styles",
        "    - conn_id: theirs   # trailing comment",
        "      conn_type: http",
        "      conn_port: 0x1BB",
        "      conn_extra: {a: 1, b: [x, y]}",
        "  pools:",
        "    - {pool_name: p, pool_slot: 1_000}",
        "  variables:",
        "    - variable_name: theirs",
        "      variable_value: >",
        "        folded",
        "        text",
        "",
      ].join("\n");
      await writeFile(path, original);
      const target = new AirflowSettingsTarget(path);
      await target.apply({
        upserts: [
          { key: connectionKey("pg"), value: PG },
          { key: variableKey("mine"), value: { kind: "variable", value: "on" } },
        ],
        deletes: [],
        manifest: [],
      });
      const added = await readFile(path, "utf8");
      assert.equal(
        added,
        [
          ...original.split("\n").slice(0, 7),
          "    - conn_id: pg",
          "      conn_type: postgres",
          "      conn_host: db",
          "      conn_schema: app",
          "      conn_login: app",
          '      conn_password: "yes"',
          "      conn_port: 5432",
          "      conn_extra:",
          "        sslmode: require",
          ...original.split("\n").slice(7, 14),
          "    - variable_name: mine",
          '      variable_value: "on"',
          "",
        ].join("\n"),
      );
      // Update in place, then delete: back to the original bytes.
      await target.apply({ upserts: [{ key: variableKey("mine"), value: { kind: "variable", value: "off" } }], deletes: [], manifest: [] });
      assert.ok((await readFile(path, "utf8")).endsWith('    - variable_name: mine\n      variable_value: "off"\n'));
      await target.apply({ upserts: [], deletes: [connectionKey("pg"), variableKey("mine")], manifest: [] });
      assert.equal(await readFile(path, "utf8"), original);
    } finally {
      await cleanup();
    }
  });

  it("refuses, naming the file, to remove an item holding an anchor that an alias elsewhere reads", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      const original =
        "airflow:\n  variables:\n    - variable_name: a\n      variable_value: &v s3cr3t\n    - variable_name: b\n      variable_value: *v\n";
      await writeFile(path, original);
      await assert.rejects(
        new AirflowSettingsTarget(path).apply({ upserts: [], deletes: [variableKey("a")], manifest: [] }),
        (error: Error & { code?: string }) =>
          error.code === "INVALID_TARGET_FILE" && error.message.includes(path) && !error.message.includes("s3cr3t"),
      );
      assert.equal(await readFile(path, "utf8"), original);
    } finally {
      await cleanup();
    }
  });

  it("sees edits made to the file by hand between its own writes", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "airflow_settings.yaml");
      const target = new AirflowSettingsTarget(path);
      await target.apply({ upserts: [{ key: variableKey("a"), value: { kind: "variable", value: "1" } }], deletes: [], manifest: [] });
      await writeFile(path, (await readFile(path, "utf8")).replace('variable_value: "1"', 'variable_value: "2"'));
      assert.deepEqual((await target.read()).entries.get("var:a")?.value, { kind: "variable", value: "2" });
      await target.apply({ upserts: [{ key: variableKey("b"), value: { kind: "variable", value: "3" } }], deletes: [], manifest: [] });
      const doc = parse(await readFile(path, "utf8"));
      assert.deepEqual(doc.airflow.variables, [
        { variable_name: "a", variable_value: "2" },
        { variable_name: "b", variable_value: "3" },
      ]);
    } finally {
      await cleanup();
    }
  });

  it("creates the file from nothing", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "sub", "airflow_settings.yaml");
      await assert.rejects(new AirflowSettingsTarget(path).read(), /sub does not exist; .*create_dirs: true/);
      await new AirflowSettingsTarget(path, { createDirs: true }).apply({
        upserts: [{ key: variableKey("v"), value: { kind: "variable", value: "x" } }],
        deletes: [],
        manifest: [],
      });
      assert.deepEqual(parse(await readFile(path, "utf8")), {
        airflow: { connections: [], variables: [{ variable_name: "v", variable_value: "x" }] },
      });
    } finally {
      await cleanup();
    }
  });

  it("factory resolves the path against the config directory and rejects unknown options", () => {
    const target = airflowSettingsTargetFactory.create({ path: "astro/airflow_settings.yaml" }, { id: "dev", configDir: "/cfg" });
    assert.equal(target.describe, "/cfg/astro/airflow_settings.yaml");
    assert.equal(airflowSettingsTargetFactory.schema.safeParse({ pth: "x.yaml" }).success, false);
    assert.equal(airflowSettingsTargetFactory.schema.safeParse({ path: "x.txt" }).success, false);
  });
});

describe("AirflowSettingsTarget (property)", () => {
  it("after any sequence of upserts and deletes, reads back exactly the owned keys and never changes the rest", async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom("yes", "no", "on", "0x1F", "123", "~", "null", "a: b", "- x", "#c", "'q'", '"d"', "line1\nline2", " lead", "trail "),
    );
    const op = fc.oneof(
      fc.record({ kind: fc.constant("var" as const), id: fc.constantFrom("a", "b", "c"), value }),
      fc.record({
        kind: fc.constant("conn" as const),
        id: fc.constantFrom("x", "y"),
        password: value,
        port: fc.option(fc.integer({ min: 0, max: 65535 })),
      }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.constantFrom("var:a", "var:b", "var:c", "conn:x", "conn:y") }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const { dir, cleanup } = await makeTempDir();
        try {
          const path = join(dir, "airflow_settings.yaml");
          await writeFile(path, HAND_MADE);
          const target = new AirflowSettingsTarget(path);
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
                connection: { conn_type: "postgres", host: "h", login: "l", password: o.password, schema: "s", port: o.port, extra: null },
              };
              await target.apply({ upserts: [{ key: connectionKey(o.id), value: v }], deletes: [], manifest: [] });
              model.set(`conn:${o.id}`, v);
            }
          }
          const snapshot = await target.read();
          for (const key of ["var:a", "var:b", "var:c", "conn:x", "conn:y"] as const) {
            assert.deepEqual(snapshot.entries.get(key)?.value, model.get(key), key);
          }
          const doc = parse(await readFile(path, "utf8"));
          assert.deepEqual(doc.airflow.pools, [{ pool_name: "etl", pool_slot: 5, pool_description: "ETL jobs" }]);
          assert.deepEqual(doc.airflow.connections.slice(0, 2), parse(HAND_MADE).airflow.connections);
          assert.deepEqual(doc.airflow.variables[0], { variable_name: "hand_var", variable_value: 42 });
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("AirflowSettingsTarget (batched requests)", () => {
  // A file with a duplicated item: the Astro CLI imports the first, so afsync rewrites the first and drops the rest.
  const WITH_DUPLICATES = `${HAND_MADE}    - variable_name: a
      variable_value: first
    - variable_name: a
      variable_value: second
`;

  it("applies a request of many keys exactly as it would apply them one request at a time", async () => {
    const value = fc.constantFrom("v", "yes", "line1\nline2", " lead", "0x1F");
    const upsert = fc.record({
      kind: fc.constantFrom("var" as const, "conn" as const),
      id: fc.constantFrom("a", "b", "c", "hand_var"),
      value,
    });
    const keyOf = (u: { kind: "var" | "conn"; id: string }) => (u.kind === "var" ? variableKey(u.id) : connectionKey(u.id));
    const airflowValueOf = (u: { kind: "var" | "conn"; value: string }): AirflowValue =>
      u.kind === "var"
        ? { kind: "variable", value: u.value }
        : {
            kind: "connection",
            connection: { conn_type: "http", host: "h", login: null, password: u.value, schema: null, port: null, extra: null },
          };
    await fc.assert(
      fc.asyncProperty(
        fc.array(upsert, { maxLength: 8 }),
        fc.array(fc.record({ kind: fc.constantFrom("var" as const, "conn" as const), id: fc.constantFrom("a", "b", "hand_made") }), {
          maxLength: 4,
        }),
        async (upserts, deletes) => {
          const { dir, cleanup } = await makeTempDir();
          try {
            const batched = join(dir, "batched.yaml");
            const oneByOne = join(dir, "one-by-one.yaml");
            await writeFile(batched, WITH_DUPLICATES);
            await writeFile(oneByOne, WITH_DUPLICATES);
            await new AirflowSettingsTarget(batched).apply({
              upserts: upserts.map((u) => ({ key: keyOf(u), value: airflowValueOf(u) })),
              deletes: deletes.map(keyOf),
              manifest: [],
            });
            // A request applies its upserts, then its deletes.
            const single = new AirflowSettingsTarget(oneByOne);
            for (const u of upserts)
              await single.apply({ upserts: [{ key: keyOf(u), value: airflowValueOf(u) }], deletes: [], manifest: [] });
            for (const d of deletes) await single.apply({ upserts: [], deletes: [keyOf(d)], manifest: [] });
            assert.equal(await readFile(batched, "utf8"), await readFile(oneByOne, "utf8"));
          } finally {
            await cleanup();
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("AirflowSettingsTarget (what it keeps between runs)", () => {
  // Layouts proven from the written items, and some that are not (an anchor, a flow section, no final line break).
  const files = [
    HAND_MADE,
    "airflow:\n  connections:\n  - conn_id: a\n    conn_type: http\n  variables:\n  - variable_name: b\n    variable_value: x\n",
    'airflow:\n  variables:\n    - variable_name: a\n      variable_value: "1"',
    "airflow:\n  variables:\n    - variable_name: a\n      variable_value: &v x\n    - variable_name: hand\n      variable_value: *v\n",
    "airflow:\n  connections: []\n  variables: []\n",
  ];
  const key = fc.oneof(fc.constantFrom("a", "b", "hand_made").map(variableKey), fc.constantFrom("a", "hand_made").map(connectionKey));
  const value = fc.constantFrom("v", "yes", "line1\nline2", " lead", "");
  const request = fc.record({
    upserts: fc.uniqueArray(fc.record({ key, value }), { maxLength: 3, selector: (u) => `${u.key.kind}:${u.key.id}` }),
    deletes: fc.array(key, { maxLength: 2 }),
  });

  const valueFor = (kind: "connection" | "variable", v: string): AirflowValue =>
    kind === "variable"
      ? { kind: "variable", value: v }
      : {
          kind: "connection",
          connection: { conn_type: "http", host: "h", login: null, password: v || null, schema: null, port: 443, extra: null },
        };

  it("reads and writes after its own writes exactly as a target that parses the file afresh", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.array(request, { minLength: 1, maxLength: 4 }), async (original, requests) => {
        const { dir, cleanup } = await makeTempDir();
        try {
          const kept = join(dir, "kept.yaml");
          const fresh = join(dir, "fresh.yaml");
          await writeFile(kept, original);
          await writeFile(fresh, original);
          const target = new AirflowSettingsTarget(kept);
          await target.read();
          for (const r of requests) {
            const req = {
              upserts: r.upserts.map((u) => ({ key: u.key, value: valueFor(u.key.kind, u.value) })),
              deletes: r.deletes,
              manifest: [],
            };
            // Both write, or both refuse alike (removing the item that holds an anchor an alias reads).
            const outcome = (apply: Promise<unknown>) =>
              apply.then(
                () => "ok",
                (error: Error) => error.message.replace(dir, ""),
              );
            const keptOutcome = await outcome(target.apply(req));
            assert.equal(
              keptOutcome,
              await outcome(new AirflowSettingsTarget(fresh).apply(req)).then((m) => m.replace("fresh.yaml", "kept.yaml")),
            );
            assert.equal(await readFile(kept, "utf8"), await readFile(fresh, "utf8"));
            assert.deepEqual((await target.read()).entries, (await new AirflowSettingsTarget(fresh).read()).entries);
          }
        } finally {
          await cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});
