import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runAfsync } from "./connRunAfsync.ts";

const SECRET = "S3ntinel-pa55";
const API_KEY = "K3y-sentinel";

describe("afsync conn (real binary)", () => {
  it("parse prints the fields with the password masked, and exits 0", async () => {
    const r = await runAfsync([
      "conn",
      "parse",
      `postgresql://app:${SECRET}@db.example.com:5432/orders?sslmode=require&api_key=${API_KEY}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      conn_type: "postgres",
      host: "db.example.com",
      login: "app",
      password: "***",
      schema: "orders",
      port: 5432,
      extra: { sslmode: "require", api_key: "***" },
    });
    assert.ok(!r.stdout.includes(SECRET) && !r.stdout.includes(API_KEY));
  });

  it("parse --show-secrets shows them", async () => {
    const r = await runAfsync(["conn", "parse", "--show-secrets", `mysql://u:${SECRET}@h/d`]);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.stdout).password, SECRET);
  });

  it("parse reads stdin for '-' and detects an RDS rotation secret", async () => {
    const secret = JSON.stringify({
      engine: "aurora-postgresql",
      host: "c.cluster.rds",
      port: 5432,
      username: "admin",
      password: SECRET,
      dbname: "app",
      dbClusterIdentifier: "c",
    });
    const r = await runAfsync(["conn", "parse", "-"], `${secret}\n`);
    assert.equal(r.code, 0, r.stderr);
    const conn = JSON.parse(r.stdout);
    assert.equal(conn.conn_type, "postgres");
    assert.equal(conn.schema, "app");
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("parse --format aws-secrets-manager honours --backend-kwargs extra_conn_words", async () => {
    const value = JSON.stringify({ usuario: "u", pass: SECRET, host: "h", engine: "postgresql" });
    const r = await runAfsync([
      "conn",
      "parse",
      "--format",
      "aws-secrets-manager",
      "--backend-kwargs",
      '{"extra_conn_words":{"user":["usuario"]}}',
      value,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).login, "u");
  });

  it("exits 1 on an invalid value, without echoing the secret", async () => {
    const r = await runAfsync(["conn", "parse", `x://u:${SECRET}@host:99999`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Port out of range/);
    assert.ok(!r.stderr.includes(SECRET) && !r.stdout.includes(SECRET));
  });

  it("exits 2 on usage errors", async () => {
    assert.equal((await runAfsync(["conn", "frobnicate"])).code, 2);
    assert.equal((await runAfsync(["conn", "parse", "--no-such-flag", "x://h"])).code, 2);
    assert.equal((await runAfsync(["conn", "parse", "--format", "xml", "x://h"])).code, 2);
  });

  it("--help exits 0 and documents --ndjson", async () => {
    const r = await runAfsync(["conn", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--ndjson/);
  });

  it("uri encodes a protocol host as newest Airflow does, masked", async () => {
    const r = await runAfsync([
      "conn",
      "uri",
      JSON.stringify({ conn_type: "http", host: "http://example.com", login: "u", password: SECRET }),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "http://u:***@http%3A%2F%2Fexample.com\n");
  });

  it("json prints Airflow's as_json form", async () => {
    const r = await runAfsync([
      "conn",
      "json",
      "--show-secrets",
      '{"port": "5432", "conn_type": "postgresql", "password": "p", "extra": "{\\"a\\": 1}"}',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"conn_type": "postgres", "password": "p", "port": 5432, "extra": {"a": 1}}\n');
  });

  it("parse --ndjson answers every line in order and never stops at a bad one", async () => {
    const input = [
      JSON.stringify(`mysql://u:${SECRET}@h/d`),
      "not json",
      JSON.stringify({ value: { conn_uri: "redis://h:6379" }, format: "vault" }),
      JSON.stringify({ value: "x://h:abc" }),
      JSON.stringify({ value: { user: "u", engine: "mysql" } }),
      "",
    ].join("\n");
    const r = await runAfsync(["conn", "parse", "--ndjson"], `${input}\n`);
    assert.equal(r.code, 1);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(out.length, 6);
    assert.deepEqual(
      out.map((o) => o.ok),
      [true, false, true, false, true, false],
    );
    assert.equal(out[0].connection.password, "***");
    assert.equal(out[2].connection.port, 6379);
    assert.equal(out[4].connection.conn_type, "mysql");
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("parse --ndjson keeps order over thousands of lines, flushing in chunks", async () => {
    const n = 3000;
    const lines = Array.from({ length: n }, (_, i) =>
      i % 7 === 3 ? `{"value": "x://h${i}:bad"}` : JSON.stringify(`mysql://u:${SECRET}@host${i}/db`),
    );
    const r = await runAfsync(["conn", "parse", "--ndjson"], `${lines.join("\n")}\n`);
    const out = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(out.length, n);
    out.forEach((o, i) => {
      if (i % 7 === 3) assert.equal(o.ok, false, `line ${i}`);
      else assert.equal(o.connection.host, `host${i}`, `line ${i}`);
    });
    assert.ok(!r.stdout.includes(SECRET));
  });

  it("uri --ndjson and json --ndjson answer each object of fields", async () => {
    const lines = `${JSON.stringify({ conn_type: "http", host: "h", password: SECRET })}\n${JSON.stringify({ conn_type: "x", bogus: 1 })}\n`;
    const uri = await runAfsync(["conn", "uri", "--ndjson"], lines);
    const uriOut = uri.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(uriOut[0], { ok: true, uri: "http://:***@h" });
    assert.equal(uriOut[1].ok, false);
    assert.match(uriOut[1].error, /'bogus'/);
    const json = await runAfsync(["conn", "json", "--ndjson", "--show-secrets"], lines);
    assert.deepEqual(JSON.parse(json.stdout.split("\n")[0] ?? ""), {
      ok: true,
      json: `{"conn_type": "http", "host": "h", "password": "${SECRET}"}`,
    });
  });
});
