import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { type AirflowValue, connectionKey, type StateRecord, variableKey } from "@afsync/core";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { assertNoSecretLeak } from "@afsync/testing";
import { AirflowApiTarget } from "../src/AirflowApiTarget.ts";
import type { AirflowAuth } from "../src/authenticatingFetch.ts";

const SECRET = "s3cr3t-Pa55word!";
const conn = (password: string | null = SECRET): AirflowValue => ({
  kind: "connection",
  connection: {
    conn_type: "postgres",
    host: "db",
    login: "app",
    password,
    schema: "app",
    port: 5432,
    extra: { sslmode: "require", api_key: "x-api-key-value" },
  },
});
const rec = (key: StateRecord["key"], hash = "h".repeat(64)): StateRecord => ({
  key,
  sourceId: "files",
  secretId: "db_password_conn",
  hash,
  appliedAt: "2026-01-01T00:00:00.000Z",
});

function makeTarget(emulator: AirflowEmulator, auth: AirflowAuth, waits: number[] = []) {
  return new AirflowApiTarget({
    url: "https://airflow.example.com",
    apiUrl: emulator.url,
    apiVersion: emulator.apiVersion,
    auth,
    state: "manifest",
    manifestVariable: "afsync_manifest",
    pageLimit: 100,
    batchSize: 100,
    retry: { sleep: async (ms) => void waits.push(ms), random: () => 0 },
  });
}

for (const apiVersion of [1, 2] as const) {
  const auth: AirflowAuth =
    apiVersion === 1
      ? { type: "basic", username: "afsync", password: "pw" }
      : { type: "airflow-token", username: "afsync", password: "pw" };

  describe(`AirflowApiTarget on Airflow ${apiVersion + 1} (/api/v${apiVersion})`, () => {
    let emulator: AirflowEmulator;
    before(async () => {
      emulator = await startAirflowEmulator({ apiVersion, users: { afsync: "pw" }, maxPageLimit: 3 });
    });
    after(() => emulator.close());
    afterEach(() => {
      emulator.faults.clear();
      emulator.state.connections.clear();
      emulator.state.variables.clear();
      emulator.resetCalls();
    });

    it("lists every key across pages the server clamps, and reports keys it does not own as present", async () => {
      for (let i = 0; i < 7; i++) emulator.state.seedConnection({ connection_id: `theirs_${i}`, conn_type: "http" });
      emulator.state.seedVariable("team/a/key", "v");
      const snapshot = await makeTarget(emulator, auth).read();
      assert.equal(snapshot.entries.size, 8);
      assert.ok(snapshot.entries.has("var:team/a/key"));
      assert.equal(snapshot.manifest, null);
    });

    it("writes values and its manifest, hides the manifest from entries, and leaves other keys untouched", async () => {
      emulator.state.seedConnection({ connection_id: "theirs", conn_type: "http", password: "their-pw" });
      const target = makeTarget(emulator, auth);
      await target.read();
      const outcome = await target.apply({
        upserts: [
          { key: connectionKey("db"), value: conn() },
          { key: variableKey("team/a/key"), value: { kind: "variable", value: "value-1" } },
        ],
        deletes: [],
        manifest: [rec("conn:db"), rec("var:team/a/key")],
      });
      assert.deepEqual(
        outcome.results.filter((r) => !r.ok),
        [],
      );
      const stored = emulator.state.connections.get("db");
      assert.equal(stored?.password, SECRET);
      assert.equal(stored?.extra, '{"sslmode": "require", "api_key": "x-api-key-value"}');
      assert.equal(emulator.state.variables.get("team/a/key")?.value, "value-1");
      assert.deepEqual(emulator.state.connections.get("theirs"), {
        connection_id: "theirs",
        conn_type: "http",
        description: null,
        host: null,
        login: null,
        schema: null,
        port: null,
        password: "their-pw",
        extra: null,
      });
      const manifestText = emulator.state.variables.get("afsync_manifest")?.value ?? "";
      assertNoSecretLeak([manifestText], [SECRET, "x-api-key-value", "value-1"]);

      const snapshot = await makeTarget(emulator, auth).read();
      assert.equal(snapshot.entries.has("var:afsync_manifest"), false);
      assert.deepEqual(snapshot.manifest, [rec("conn:db"), rec("var:team/a/key")]);
      if (apiVersion === 2) assert.equal(emulator.callCount("bulk_variables"), 1, "the manifest rode in the variables' bulk call");
    });

    it("makes no write call when nothing changed", async () => {
      const target = makeTarget(emulator, auth);
      await target.read();
      await target.apply({ upserts: [{ key: connectionKey("db"), value: conn() }], deletes: [], manifest: [rec("conn:db")] });
      emulator.resetCalls();
      const snapshot = await target.read();
      const outcome = await target.apply({ upserts: [], deletes: [], manifest: snapshot.manifest ?? [] });
      assert.equal(emulator.writeCalls(), 0);
      assert.equal(outcome.calls, 0);
    });

    it("keeps nothing from its read once released, and an apply after that reads the manifest again", async () => {
      const target = makeTarget(emulator, auth);
      await target.read();
      await target.apply({ upserts: [{ key: connectionKey("db"), value: conn() }], deletes: [], manifest: [rec("conn:db")] });
      target.release();
      emulator.resetCalls();
      const outcome = await target.apply({
        upserts: [{ key: variableKey("k"), value: { kind: "variable", value: "value-k" } }],
        deletes: [],
        manifest: [rec("conn:db"), rec("var:k")],
      });
      assert.deepEqual(
        outcome.results.filter((r) => !r.ok),
        [],
      );
      assert.ok(emulator.callCount("get_variables") >= 1, "the manifest was read again, not taken from before the release");
      assert.deepEqual((await makeTarget(emulator, auth).read()).manifest, [rec("conn:db"), rec("var:k")]);
    });

    it("retries 429 (honouring Retry-After) and 5xx answers and converges", async () => {
      const waits: number[] = [];
      const target = makeTarget(emulator, auth, waits);
      await target.read();
      // A key the read did not see is created with POST first on v1.
      const write = apiVersion === 1 ? "post_connection" : "bulk_connections";
      emulator.inject({ status: 429, retryAfterSeconds: 2, operationId: write });
      emulator.inject({ status: 503, times: 2, operationId: write });
      const outcome = await target.apply({
        upserts: [{ key: connectionKey("db"), value: conn() }],
        deletes: [],
        manifest: [rec("conn:db")],
      });
      assert.deepEqual(outcome.results, [{ key: "conn:db", ok: true }]);
      assert.equal(emulator.state.connections.get("db")?.password, SECRET);
      assert.equal(waits[0], 2000, "Retry-After read as seconds");
      assert.equal(emulator.faults.pendingCount, 0);
    });

    it("reports a 4xx at once with the server's message and without the secret it echoed", async () => {
      const target = makeTarget(emulator, auth);
      await target.read();
      // A key the read did not see is created with POST first on v1.
      const write = apiVersion === 1 ? "post_connection" : "bulk_connections";
      emulator.inject({
        status: 400,
        operationId: write,
        body: { detail: `password '${SECRET}' is not acceptable`, title: "Bad Request", status: 400, type: "about:blank" },
      });
      const outcome = await target.apply({
        upserts: [{ key: connectionKey("db"), value: conn() }],
        deletes: [],
        manifest: [rec("conn:db")],
      });
      const failed = outcome.results.find((r) => r.key === "conn:db");
      assert.equal(failed?.ok, false);
      assert.match(failed?.error ?? "", /400 .*is not acceptable/);
      assertNoSecretLeak([JSON.stringify(outcome)], [SECRET]);
      assert.equal(emulator.callCount(write), 1, "a 400 is not retried");
      const manifest = (await makeTarget(emulator, auth).read()).manifest ?? [];
      assert.equal(
        manifest.some((r) => r.key === "conn:db"),
        false,
        "a failed key is not recorded as owned",
      );
    });

    it("refuses a connection_id the REST API would reject before sending it, naming the rule, without the value", async () => {
      const target = makeTarget(emulator, auth);
      await target.read();
      const outcome = await target.apply({ upserts: [{ key: connectionKey("bad id!"), value: conn() }], deletes: [], manifest: [] });
      const failed = outcome.results[0];
      assert.equal(failed?.ok, false);
      assert.match(failed?.error ?? "", /conn:bad id!: .*connection_id of ASCII letters/);
      assert.equal(emulator.callCount(apiVersion === 1 ? "post_connection" : "bulk_connections"), 0, "nothing was sent");
      assert.deepEqual(
        target
          .checkKeys([connectionKey("bad id!"), connectionKey("x".repeat(201)), variableKey("/lead"), variableKey("ok/inner")])
          .map((p) => p.key),
        ["conn:bad id!", `conn:${"x".repeat(201)}`, "var:/lead"],
      );
      assertNoSecretLeak([JSON.stringify(outcome)], [SECRET, "x-api-key-value"]);
    });

    it("deletes what it is told, treating an already-missing key as deleted", async () => {
      emulator.state.seedConnection({ connection_id: "old", conn_type: "http" });
      const target = makeTarget(emulator, auth);
      await target.read();
      const outcome = await target.apply({ upserts: [], deletes: [connectionKey("old"), variableKey("gone")], manifest: [] });
      assert.ok(outcome.results.every((r) => r.ok));
      assert.equal(emulator.state.connections.has("old"), false);
    });

    it("refuses a foreign value in the manifest variable instead of trusting it", async () => {
      emulator.state.seedVariable("afsync_manifest", "someone else's text");
      await assert.rejects(makeTarget(emulator, auth).read(), /afsync_manifest.*not an afsync manifest/);
    });
  });
}

describe("AirflowApiTarget on Airflow 3: bulk partial failure and token renewal", () => {
  let emulator: AirflowEmulator;
  before(async () => {
    emulator = await startAirflowEmulator({ apiVersion: 2, users: { afsync: "pw" } });
  });
  after(() => emulator.close());
  const auth: AirflowAuth = { type: "airflow-token", username: "afsync", password: "pw" };

  it("reports a bulk call that succeeds with item errors per key, and owns only what landed", async () => {
    const target = makeTarget(emulator, auth);
    await target.read();
    emulator.failBulkItem("connection", "b", { status: 400, message: "The connection b could not be written." });
    emulator.failBulkItem("variable", "v2", { status: 409, message: "The variables with these keys: {'v2'} already exist." });
    const outcome = await target.apply({
      upserts: [
        { key: connectionKey("a"), value: conn() },
        { key: connectionKey("b"), value: conn() },
        { key: variableKey("v1"), value: { kind: "variable", value: "one" } },
        { key: variableKey("v2"), value: { kind: "variable", value: "two" } },
      ],
      deletes: [],
      manifest: [rec("conn:a"), rec("conn:b"), rec("var:v1"), rec("var:v2")],
    });
    const byKey = new Map(outcome.results.map((r) => [r.key, r]));
    assert.equal(byKey.get("conn:a")?.ok, true);
    assert.equal(byKey.get("var:v1")?.ok, true);
    assert.deepEqual(byKey.get("conn:b"), { key: "conn:b", ok: false, error: "400 The connection b could not be written." });
    assert.match(byKey.get("var:v2")?.error ?? "", /409 .*v2/);
    const owned = ((await makeTarget(emulator, auth).read()).manifest ?? []).map((r) => r.key).sort();
    assert.deepEqual(owned, ["conn:a", "var:v1"]);
    assert.equal(emulator.callCount("bulk_connections"), 1);
    assert.equal(emulator.callCount("bulk_variables"), 2, "values + optimistic manifest, then the corrected manifest");
  });

  it("renews an expired token once on 401 and goes on", async () => {
    const target = makeTarget(emulator, auth);
    await target.read();
    const tokensBefore = emulator.callCount("create_token");
    emulator.expireTokens();
    const snapshot = await target.read();
    assert.ok(snapshot.entries.has("conn:a"));
    assert.equal(emulator.callCount("create_token") - tokensBefore, 1);
  });

  it("does not loop when the credentials themselves are refused", async () => {
    const target = makeTarget(emulator, { type: "airflow-token", username: "afsync", password: "wrong" });
    const before = emulator.calls.length;
    await assert.rejects(target.read(), /auth\/token answered 401/);
    assert.ok(emulator.calls.length - before <= 2);
  });
});
