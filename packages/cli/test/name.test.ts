import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { repoRoot, runAfsync } from "./connRunAfsync.ts";

interface NamingCase {
  backend: string;
  kind: string;
  key: string;
  config: Record<string, unknown>;
  expected_secret_id: unknown;
}

describe("afsync name (real binary)", () => {
  it("prints the secret id a backend looks up", async () => {
    const r = await runAfsync(["name", "--backend", "aws-secrets-manager", "--kind", "connection", "my_db"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "airflow/connections/my_db\n");
  });

  it("prints Vault's mount point and path", async () => {
    const r = await runAfsync([
      "name",
      "--backend",
      "hashicorp_vault",
      "--kind",
      "variable",
      "hello",
      "--backend-kwargs",
      '{"mount_point": "airflow", "kv_engine_version": 1}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { mount_point: "airflow", path: "variables/hello" });
  });

  it("exits 1 and says why when the backend never looks the key up", async () => {
    const r = await runAfsync([
      "name",
      "--backend",
      "aws-ssm",
      "--kind",
      "variable",
      "test",
      "--backend-kwargs",
      '{"variables_lookup_pattern": "dummy-pattern"}',
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /variables_lookup_pattern does not match/);
  });

  it("maps a secret id back, listing Key Vault's candidates", async () => {
    const r = await runAfsync(["name", "--backend", "azure-key-vault", "--from-secret-id", "airflow-variables-my-var"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.kind, "variable");
    assert.deepEqual(out.keys, ["my_var", "my-var"]);
  });

  it("exits 2 on usage errors", async () => {
    assert.equal((await runAfsync(["name", "--kind", "connection", "x"])).code, 2);
    assert.equal((await runAfsync(["name", "--backend", "env", "x"])).code, 2);
    assert.equal((await runAfsync(["name", "--backend", "env", "--kind", "secret", "x"])).code, 2);
  });

  it("exits 1 on an unknown backend", async () => {
    const r = await runAfsync(["name", "--backend", "keepass", "--kind", "connection", "x"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown backend/);
  });

  it("--ndjson answers every backend-naming.json case as the vectors expect, in order", async () => {
    const { cases } = JSON.parse(readFileSync(`${repoRoot}packages/core/test/vectors/backend-naming.json`, "utf8")) as {
      cases: NamingCase[];
    };
    const input = cases.map((c) => JSON.stringify({ backend: c.backend, kind: c.kind, key: c.key, config: c.config })).join("\n");
    const r = await runAfsync(["name", "--ndjson"], `${input}\nnot json\n`);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(out.length, cases.length + 1);
    cases.forEach((c, i) => {
      assert.equal(out[i].ok, true, JSON.stringify(out[i]));
      assert.deepEqual(out[i].secret_id, c.expected_secret_id, `${c.backend} ${c.key}`);
    });
    assert.equal(out[cases.length].ok, false);
    assert.equal(r.code, 1);
  });
});
