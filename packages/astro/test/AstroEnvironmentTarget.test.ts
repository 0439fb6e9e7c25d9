import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowValue, connectionKey, type StateRecord, variableKey } from "@afsync/core";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { assertNoSecretLeak, runDeploymentTargetContract } from "@afsync/testing";
import { AstroEnvironmentTarget, type AstroEnvironmentTargetOptions } from "../src/AstroEnvironmentTarget.ts";
import { decodeManifest } from "../src/AstroManifest.ts";
import { KeyedMutex } from "../src/KeyedMutex.ts";

const TOKEN = "astro-env-token";
const ORG = "org-123";
let counter = 0;

function target(astro: AstroEmulator, workspaceId: string, extra: Partial<AstroEnvironmentTargetOptions> = {}): AstroEnvironmentTarget {
  return new AstroEnvironmentTarget({
    organizationId: ORG,
    scope: { scope: "WORKSPACE", scopeEntityId: workspaceId },
    links: { linkDeployments: ["dep-456"] },
    apiUrl: astro.v1Url,
    token: TOKEN,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...extra,
  });
}

function rec(key: StateRecord["key"], hash = "h1"): StateRecord {
  return { key, sourceId: "team-files", hash, appliedAt: "2026-11-25T00:00:00.000Z" };
}

const SECRET_PW = "env-Pa55word-sentinel";
const PG: AirflowValue = {
  kind: "connection",
  connection: {
    conn_type: "postgres",
    description: "main db",
    host: "db",
    login: "app",
    password: SECRET_PW,
    schema: "app",
    port: 5432,
    extra: { sslmode: "require" },
  },
};
const VAR = (value: string): AirflowValue => ({ kind: "variable", value });
const nextWorkspace = () => `ws-${++counter}`;

runDeploymentTargetContract("astro-environment on the Astro emulator", async () => {
  const astro = await startAstroEmulator({ token: TOKEN });
  return { target: target(astro, nextWorkspace()), cleanup: () => astro.close() };
});

describe("AstroEnvironmentTarget", () => {
  let astro: AstroEmulator;
  before(async () => {
    astro = await startAstroEmulator({ token: TOKEN });
  });
  after(() => astro.close());

  const inWorkspace = (ws: string) => astro.environmentObjects().filter((o) => o.scopeEntityId === ws);

  it("creates linked objects with extra as an object and secret variables, plus an unlinked manifest", async () => {
    const ws = nextWorkspace();
    const t = target(astro, ws);
    await t.read();
    const outcome = await t.apply({
      upserts: [
        { key: connectionKey("pg_main"), value: PG },
        { key: variableKey("env"), value: VAR("prod") },
      ],
      deletes: [],
      manifest: [rec("conn:pg_main"), rec("var:env")],
    });
    assert.ok(outcome.results.every((r) => r.ok));
    const [conn, variable, manifest] = inWorkspace(ws);
    assert.equal(conn?.objectType, "CONNECTION");
    assert.deepEqual(conn?.connection, {
      type: "postgres",
      host: "db",
      login: "app",
      password: SECRET_PW,
      schema: "app",
      port: 5432,
      extra: { sslmode: "require" },
    });
    assert.equal(conn?.description, "main db");
    assert.deepEqual(
      conn?.links.map((l) => l.scopeEntityId),
      ["dep-456"],
    );
    assert.equal(variable?.value?.isSecret, true);
    assert.equal(manifest?.objectKey, "AFSYNC_ENVIRONMENT_MANIFEST");
    assert.deepEqual(manifest?.links, []);
    assert.equal(manifest?.autoLinkDeployments, false);
    assert.deepEqual((decodeManifest(manifest?.value?.value ?? "", "test").get("default") ?? []).map((r) => r.key).sort(), [
      "conn:pg_main",
      "var:env",
    ]);
  });

  it("re-sends links, excludeLinks and auto-linking on update so nothing is unlinked", async () => {
    const ws = nextWorkspace();
    const seeded = astro.seedEnvironmentObject(ORG, {
      objectKey: "shared_var",
      objectType: "AIRFLOW_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: ws,
      airflowVariable: { value: "old", isSecret: true },
      autoLinkDeployments: true,
      links: [{ scope: "DEPLOYMENT", scopeEntityId: "dep-other", overrides: { airflowVariable: { value: "per-dep" } } }],
      excludeLinks: [{ scope: "DEPLOYMENT", scopeEntityId: "dep-excluded" }],
    });
    const t = target(astro, ws);
    await t.read();
    await t.apply({ upserts: [{ key: variableKey("shared_var"), value: VAR("new") }], deletes: [], manifest: [rec("var:shared_var")] });
    const after = astro.environmentObjects().find((o) => o.id === seeded.id);
    assert.equal(after?.value?.value, "new");
    assert.equal(after?.autoLinkDeployments, true);
    assert.deepEqual(
      after?.links.map((l) => l.scopeEntityId),
      ["dep-other", "dep-456"],
    );
    assert.deepEqual(after?.links[0]?.overrides, { airflowVariable: { value: "per-dep" } }, "a link's override survives");
    assert.deepEqual(
      after?.excludeLinks.map((l) => l.scopeEntityId),
      ["dep-excluded"],
    );
  });

  it("updates an object created by someone else between its list and its create (409 → update)", async () => {
    const ws = nextWorkspace();
    let raced = false;
    // The competing create lands just before ours reaches the server.
    const racingFetch = async (request: Request): Promise<Response> => {
      if (!raced && request.method === "POST" && request.url.endsWith("/environment-objects")) {
        raced = true;
        astro.seedEnvironmentObject(ORG, {
          objectKey: "raced",
          objectType: "AIRFLOW_VARIABLE",
          scope: "WORKSPACE",
          scopeEntityId: ws,
          airflowVariable: { value: "theirs", isSecret: true },
        });
      }
      return fetch(request);
    };
    const t = target(astro, ws, { fetch: racingFetch });
    await t.read();
    const outcome = await t.apply({
      upserts: [{ key: variableKey("raced"), value: VAR("ours") }],
      deletes: [],
      manifest: [rec("var:raced")],
    });
    assert.ok(outcome.results.every((r) => r.ok));
    assert.ok(raced);
    const objects = inWorkspace(ws).filter((o) => o.objectKey === "raced");
    assert.equal(objects.length, 1);
    assert.equal(objects[0]?.value?.value, "ours");
  });

  it("retries 429/5xx and converges; makes no write when nothing changed", async () => {
    const ws = nextWorkspace();
    const t = target(astro, ws);
    await t.read();
    astro.inject({ status: 429, retryAfterSeconds: 0, operationId: "CreateEnvironmentObject" });
    astro.inject({ status: 502, operationId: "ListEnvironmentObjects" });
    const outcome = await t.apply({ upserts: [{ key: variableKey("k"), value: VAR("v") }], deletes: [], manifest: [rec("var:k")] });
    assert.ok(outcome.results.every((r) => r.ok));
    const snapshot = await t.read();
    astro.resetCalls();
    await t.apply({ upserts: [], deletes: [], manifest: snapshot.manifest ?? [] });
    assert.equal(astro.writeCalls(), 0);
  });

  it("reports a 400 per item with the server's message and no secret, and leaves it out of the manifest", async () => {
    const ws = nextWorkspace();
    const t = target(astro, ws);
    await t.read();
    astro.inject({
      status: 400,
      operationId: "CreateEnvironmentObject",
      body: { message: `bad password '${SECRET_PW}'`, requestId: "r", statusCode: 400 },
    });
    const outcome = await t.apply({
      upserts: [
        { key: connectionKey("bad"), value: PG },
        { key: variableKey("good"), value: VAR("fine") },
      ],
      deletes: [],
      manifest: [rec("conn:bad"), rec("var:good")],
    });
    const bad = outcome.results.find((r) => r.key === "conn:bad");
    assert.equal(bad?.ok, false);
    assert.match(bad?.error ?? "", /HTTP 400.*bad password '\*\*\*'/);
    assertNoSecretLeak([JSON.stringify(outcome)], [SECRET_PW]);
    const snapshot = await t.read();
    assert.deepEqual(
      snapshot.manifest?.map((r) => r.key),
      ["var:good"],
    );
  });

  it("refuses a connection without conn_type per item", async () => {
    const ws = nextWorkspace();
    const t = target(astro, ws);
    await t.read();
    const noType: AirflowValue = {
      kind: "connection",
      connection: { ...(PG.kind === "connection" ? PG.connection : ({} as never)), conn_type: null },
    };
    const outcome = await t.apply({
      upserts: [{ key: connectionKey("untyped"), value: noType }],
      deletes: [],
      manifest: [rec("conn:untyped")],
    });
    assert.equal(outcome.results[0]?.ok, false);
    assert.match(outcome.results[0]?.error ?? "", /conn_type/);
  });

  it("pages through more objects than one page (1000) holds", async () => {
    const ws = nextWorkspace();
    for (let i = 0; i < 1003; i++) {
      astro.seedEnvironmentObject(ORG, {
        objectKey: `bulk_${i}`,
        objectType: "AIRFLOW_VARIABLE",
        scope: "WORKSPACE",
        scopeEntityId: ws,
        airflowVariable: { value: String(i), isSecret: false },
      });
    }
    astro.resetCalls();
    const snapshot = await target(astro, ws).read();
    assert.equal(snapshot.entries.size, 1003);
    assert.equal(astro.calls().ListEnvironmentObjects, 2);
    assert.deepEqual(snapshot.entries.get("var:bulk_3")?.value, { kind: "variable", value: "3" });
  });

  it("keeps both writers' manifest records when two processes race", { timeout: 60_000 }, async () => {
    const ws = nextWorkspace();
    const a = target(astro, ws, { locks: new KeyedMutex() });
    const b = target(astro, ws, { locks: new KeyedMutex() });
    await Promise.all([a.read(), b.read()]);
    // Both lists find no manifest, so both create one at once: the loser's create gets 409.
    astro.inject({ barrier: 2, operationId: "CreateEnvironmentObject" }); // the two value objects
    astro.inject({ barrier: 2, operationId: "CreateEnvironmentObject" }); // the two manifests
    await Promise.all([
      a.apply({ upserts: [{ key: variableKey("from_a"), value: VAR("a") }], deletes: [], manifest: [rec("var:from_a")] }),
      b.apply({ upserts: [{ key: variableKey("from_b"), value: VAR("b") }], deletes: [], manifest: [rec("var:from_b")] }),
    ]);
    const snapshot = await a.read();
    assert.ok(snapshot.entries.has("var:from_a") && snapshot.entries.has("var:from_b"));
    assert.deepEqual(snapshot.manifest?.map((r) => r.key).sort(), ["var:from_a", "var:from_b"]);
  });

  it("serializes manifest updates: a writer held inside its update keeps the other waiting, and neither loses a record", async () => {
    const ws = nextWorkspace();
    await target(astro, ws).apply({ upserts: [{ key: variableKey("first"), value: VAR("1") }], deletes: [], manifest: [rec("var:first")] });
    // B is stopped on the manifest update itself, after its read: the moment a read-merge-write
    // without a lock would let A's record be replaced by B's stale merge.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let heldB!: () => void;
    const bHeld = new Promise<void>((r) => (heldB = r));
    const holdManifestUpdate: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.method === "POST" && /environment-objects\/[^/]+$/.test(new URL(request.url).pathname)) {
        if ((await request.clone().text()).includes("owners")) {
          heldB();
          await released;
        }
      }
      return globalThis.fetch(request);
    };
    const b = target(astro, ws, { locks: new KeyedMutex(), fetch: holdManifestUpdate });
    const a = target(astro, ws, { locks: new KeyedMutex() });
    await Promise.all([a.read(), b.read()]);
    const runB = b.apply({
      upserts: [{ key: variableKey("from_b"), value: VAR("b") }],
      deletes: [],
      manifest: [rec("var:first"), rec("var:from_b")],
    });
    await bHeld;
    const runA = a.apply({
      upserts: [{ key: variableKey("from_a"), value: VAR("a") }],
      deletes: [],
      manifest: [rec("var:first"), rec("var:from_a")],
    });
    // A writes its value, then waits on the lock B holds (its create of the lock object is refused).
    const lockKey = "AFSYNC_ENVIRONMENT_MANIFEST_LOCK";
    while (!astro.environmentObjects().some((o) => o.scopeEntityId === ws && o.objectKey === "from_a"))
      await new Promise((r) => setTimeout(r, 5));
    assert.ok(
      inWorkspace(ws).some((o) => o.objectKey === lockKey),
      "B holds the lock",
    );
    release();
    const [outA, outB] = await Promise.all([runA, runB]);
    assert.ok([...outA.results, ...outB.results].every((r) => r.ok));
    const snapshot = await target(astro, ws).read();
    assert.deepEqual(snapshot.manifest?.map((r) => r.key).sort(), ["var:first", "var:from_a", "var:from_b"]);
    assert.ok(!inWorkspace(ws).some((o) => o.objectKey === lockKey), "the lock is released");
  });

  it("takes over a lock left by a writer that died holding it, once the lock's time is past", async () => {
    const ws = nextWorkspace();
    astro.seedEnvironmentObject(ORG, {
      objectKey: "AFSYNC_ENVIRONMENT_MANIFEST_LOCK",
      objectType: "ENVIRONMENT_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: ws,
      environmentVariable: { value: JSON.stringify({ holder: "dead-writer", until: Date.now() - 1 }), isSecret: false },
    });
    const out = await target(astro, ws).apply({
      upserts: [{ key: variableKey("k"), value: VAR("v") }],
      deletes: [],
      manifest: [rec("var:k")],
    });
    assert.ok(out.results.every((r) => r.ok));
    assert.deepEqual(
      (await target(astro, ws).read()).manifest?.map((r) => r.key),
      ["var:k"],
    );
    assert.ok(!inWorkspace(ws).some((o) => o.objectKey === "AFSYNC_ENVIRONMENT_MANIFEST_LOCK"));
  });

  it("waits for a live holder, then fails transiently with the values written and the manifest untouched", async () => {
    const ws = nextWorkspace();
    astro.seedEnvironmentObject(ORG, {
      objectKey: "AFSYNC_ENVIRONMENT_MANIFEST_LOCK",
      objectType: "ENVIRONMENT_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: ws,
      environmentVariable: { value: JSON.stringify({ holder: "slow-writer", until: Date.now() + 60_000 }), isSecret: false },
    });
    await assert.rejects(
      target(astro, ws, { manifestLockTtlMs: 100 }).apply({
        upserts: [{ key: variableKey("k"), value: VAR("v") }],
        deletes: [],
        manifest: [rec("var:k")],
      }),
      (e: Error & { errorClass?: string }) => /manifest lock .* stayed held by another writer/.test(e.message),
    );
    assert.ok(
      inWorkspace(ws).some((o) => o.objectKey === "k"),
      "the value was written",
    );
    assert.equal((await target(astro, ws).read()).manifest, null);
  });
});
