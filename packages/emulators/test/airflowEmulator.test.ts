import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "../src/airflow/startAirflowEmulator.ts";

const basic = `Basic ${Buffer.from("admin:pw").toString("base64")}`;

async function call(base: string, method: string, path: string, body?: unknown, auth?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: res.headers };
}

describe("Airflow 2 emulator (/api/v1)", () => {
  let af: AirflowEmulator;
  before(async () => {
    af = await startAirflowEmulator({ apiVersion: 1, users: { admin: "pw" }, maxPageLimit: 2 });
  });
  after(() => af.close());

  it("refuses requests without valid basic auth", async () => {
    assert.equal((await call(af.url, "GET", "/api/v1/connections")).status, 401);
    assert.equal(
      (await call(af.url, "GET", "/api/v1/connections", undefined, `Basic ${Buffer.from("admin:nope").toString("base64")}`)).status,
      401,
    );
  });

  it("creates a connection, answers 409 on a second POST, never returns the password and redacts extra", async () => {
    const conn = { connection_id: "db", conn_type: "postgres", host: "h", password: "s3cr3t", extra: '{"api_key":"k","region":"eu"}' };
    assert.equal((await call(af.url, "POST", "/api/v1/connections", conn, basic)).status, 200);
    const dup = await call(af.url, "POST", "/api/v1/connections", conn, basic);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.title, "Connection already exist");
    const read = await call(af.url, "GET", "/api/v1/connections/db", undefined, basic);
    assert.equal(read.body.password, undefined);
    assert.equal(read.body.extra, '{"api_key": "***", "region": "eu"}');
    assert.equal(af.state.connections.get("db")?.password, "s3cr3t");
  });

  it("answers 404 to PATCH of a missing connection and 400 on a body/path id mismatch", async () => {
    assert.equal(
      (await call(af.url, "PATCH", "/api/v1/connections/missing", { connection_id: "missing", conn_type: "http" }, basic)).status,
      404,
    );
    assert.equal((await call(af.url, "PATCH", "/api/v1/connections/db", { connection_id: "other", conn_type: "http" }, basic)).status, 400);
  });

  it("treats POST /variables as an upsert and pages lists with a clamped limit", async () => {
    for (const k of ["a", "b", "c"])
      assert.equal((await call(af.url, "POST", "/api/v1/variables", { key: k, value: "1" }, basic)).status, 200);
    assert.equal((await call(af.url, "POST", "/api/v1/variables", { key: "a", value: "2" }, basic)).status, 200);
    assert.equal(af.state.variables.get("a")?.value, "2");
    const page = await call(af.url, "GET", "/api/v1/variables?limit=100&offset=0", undefined, basic);
    assert.equal((page.body.variables as unknown[]).length, 2);
    assert.equal(page.body.total_entries, 3);
  });

  it("rejects a spec violation with 400 and counts calls per operation", async () => {
    af.resetCalls();
    const bad = await call(af.url, "POST", "/api/v1/connections", { connection_id: "x", conn_type: "http", port: "80" }, basic);
    assert.equal(bad.status, 400);
    assert.equal(af.callCount("post_connection"), 1);
    assert.equal(af.writeCalls(), 1);
  });

  it("injects 429 with Retry-After, then answers normally", async () => {
    af.inject({ status: 429, retryAfterSeconds: 3, operationId: "get_connections" });
    const limited = await call(af.url, "GET", "/api/v1/connections", undefined, basic);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "3");
    assert.equal((await call(af.url, "GET", "/api/v1/connections", undefined, basic)).status, 200);
  });
});

describe("Airflow 3 emulator (/api/v2 + /auth/token)", () => {
  let af: AirflowEmulator;
  let bearer = "";
  before(async () => {
    af = await startAirflowEmulator({ apiVersion: 2, users: { admin: "pw" } });
    const token = await call(af.url, "POST", "/auth/token", { username: "admin", password: "pw" });
    assert.equal(token.status, 201);
    bearer = `Bearer ${String(token.body.access_token)}`;
  });
  after(() => af.close());

  it("rejects bad credentials and expired tokens with 401", async () => {
    assert.equal((await call(af.url, "POST", "/auth/token", { username: "admin", password: "x" })).status, 401);
    const fresh = await call(af.url, "POST", "/auth/token", { username: "admin", password: "pw" });
    const auth = `Bearer ${String(fresh.body.access_token)}`;
    assert.equal((await call(af.url, "GET", "/api/v2/variables", undefined, auth)).status, 200);
    af.expireTokens();
    assert.equal((await call(af.url, "GET", "/api/v2/variables", undefined, auth)).status, 401);
    const again = await call(af.url, "POST", "/auth/token", { username: "admin", password: "pw" });
    bearer = `Bearer ${String(again.body.access_token)}`;
  });

  it("bulk-creates with overwrite and reports per-entity failures in a 200 answer", async () => {
    af.state.seedConnection({ connection_id: "old", conn_type: "http", host: "before" });
    af.failBulkItem("connection", "bad", { status: 400, message: "The connection bad could not be written." });
    const res = await call(
      af.url,
      "PATCH",
      "/api/v2/connections",
      {
        actions: [
          {
            action: "create",
            action_on_existence: "overwrite",
            entities: [
              { connection_id: "old", conn_type: "http" },
              { connection_id: "bad", conn_type: "http" },
              { connection_id: "new", conn_type: "http", password: "pw" },
            ],
          },
        ],
      },
      bearer,
    );
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.create, {
      success: ["old", "new"],
      errors: [{ error: "The connection bad could not be written.", status_code: 400 }],
    });
    assert.equal(af.state.connections.get("old")?.host, null, "overwrite replaces every field");
  });

  it("fails a whole create action with 409 when an id exists and action_on_existence is fail", async () => {
    const res = await call(
      af.url,
      "PATCH",
      "/api/v2/connections",
      {
        actions: [
          {
            action: "create",
            entities: [
              { connection_id: "old", conn_type: "http" },
              { connection_id: "z", conn_type: "http" },
            ],
          },
        ],
      },
      bearer,
    );
    const create = res.body.create as { success: string[]; errors: { status_code: number }[] };
    assert.deepEqual(create.success, []);
    assert.equal(create.errors[0]?.status_code, 409);
    assert.equal(af.state.connections.has("z"), false);
  });

  it("redacts passwords and sensitive variables on read, and merges a *** password on PATCH", async () => {
    const conn = await call(af.url, "GET", "/api/v2/connections/new", undefined, bearer);
    assert.equal(conn.body.password, "***");
    assert.equal(
      (await call(af.url, "PATCH", "/api/v2/connections/new", { connection_id: "new", conn_type: "http", password: "***" }, bearer)).status,
      200,
    );
    assert.equal(af.state.connections.get("new")?.password, "pw");
    await call(
      af.url,
      "PATCH",
      "/api/v2/variables",
      {
        actions: [
          {
            action: "create",
            action_on_existence: "overwrite",
            entities: [
              { key: "my_token", value: "t0k" },
              { key: "cfg", value: '{"password":"p","x":1}' },
            ],
          },
        ],
      },
      bearer,
    );
    const vars = await call(af.url, "GET", "/api/v2/variables", undefined, bearer);
    const byKey = new Map((vars.body.variables as { key: string; value: string }[]).map((v) => [v.key, v.value]));
    assert.equal(byKey.get("my_token"), "***");
    assert.equal(byKey.get("cfg"), '{"password": "***", "x": 1}');
  });

  it("answers 422 on a body that breaks the spec and 409 on POST of an existing variable", async () => {
    const bad = await call(af.url, "POST", "/api/v2/connections", { connection_id: "has space", conn_type: "http" }, bearer);
    assert.equal(bad.status, 422);
    assert.equal((await call(af.url, "POST", "/api/v2/variables", { key: "cfg", value: "x" }, bearer)).status, 409);
  });

  it("accepts a static bearer token when configured", async () => {
    const astro = await startAirflowEmulator({ apiVersion: 2, bearerTokens: ["astro-token"] });
    try {
      assert.equal((await call(astro.url, "GET", "/api/v2/connections", undefined, "Bearer astro-token")).status, 200);
    } finally {
      await astro.close();
    }
  });
});
