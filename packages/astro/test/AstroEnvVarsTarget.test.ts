import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowValue, connectionKey, RemoteCallError, type StateRecord, variableKey } from "@afsync/core";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { assertNoSecretLeak, runDeploymentTargetContract } from "@afsync/testing";
import type { AstroApiVersion } from "../src/AstroDeploymentApi.ts";
import { AstroEnvVarsTarget, type AstroEnvVarsTargetOptions } from "../src/AstroEnvVarsTarget.ts";
import { decodeManifest } from "../src/AstroManifest.ts";
import { KeyedMutex } from "../src/KeyedMutex.ts";

const TOKEN = "astro-test-token";
const ORG = "org-123";
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };
let counter = 0;

function seed(astro: AstroEmulator, environmentVariables: { key: string; value?: string; isSecret?: boolean }[] = []): string {
  const id = `dep-${++counter}`;
  astro.seedDeployment({ id, organizationId: ORG, workspaceId: "ws-789", environmentVariables });
  return id;
}

const VERSIONS = ["v1", "v1beta1"] as const;

function targetFor(
  version: AstroApiVersion,
  astro: AstroEmulator,
  deploymentId: string,
  extra: Partial<AstroEnvVarsTargetOptions> = {},
): AstroEnvVarsTarget {
  return new AstroEnvVarsTarget({
    organizationId: ORG,
    deploymentId,
    apiUrl: version === "v1" ? astro.v1Url : astro.platformUrl,
    apiVersion: version,
    token: TOKEN,
    retry: FAST_RETRY,
    ...extra,
  });
}

function rec(key: StateRecord["key"], hash = "h1"): StateRecord {
  return { key, sourceId: "team-files", hash, appliedAt: "2026-11-25T00:00:00.000Z" };
}

const SECRET_PW = "pg-Pa55word-sentinel";
const PG: AirflowValue = {
  kind: "connection",
  connection: { conn_type: "postgres", host: "db", login: "app", password: SECRET_PW, schema: "app", port: 5432, extra: null },
};
const VAR = (value: string): AirflowValue => ({ kind: "variable", value });

for (const version of VERSIONS) {
  runDeploymentTargetContract(`astro-env-vars on the Astro emulator (API ${version})`, async () => {
    const astro = await startAstroEmulator({ token: TOKEN });
    return { target: targetFor(version, astro, seed(astro)), cleanup: () => astro.close() };
  });
}

for (const version of VERSIONS) describeTarget(version);

function describeTarget(version: AstroApiVersion): void {
  const target = (astro: AstroEmulator, deploymentId: string, extra: Partial<AstroEnvVarsTargetOptions> = {}) =>
    targetFor(version, astro, deploymentId, extra);

  describe(`AstroEnvVarsTarget (Astro API ${version})`, () => {
    let astro: AstroEmulator;
    before(async () => {
      astro = await startAstroEmulator({ token: TOKEN });
    });
    after(() => astro.close());

    it("writes AIRFLOW_CONN_/AIRFLOW_VAR_ secrets in Airflow's JSON form and the manifest as a visible variable", async () => {
      const dep = seed(astro);
      const t = target(astro, dep);
      await t.read();
      await t.apply({ upserts: [{ key: connectionKey("pg_main"), value: PG }], deletes: [], manifest: [rec("conn:pg_main")] });
      const stored = astro.deployment(ORG, dep)?.environmentVariables ?? [];
      const conn = stored.find((v) => v.key === "AIRFLOW_CONN_PG_MAIN");
      assert.equal(conn?.isSecret, true);
      assert.deepEqual(JSON.parse(conn?.value ?? "{}"), {
        conn_type: "postgres",
        host: "db",
        login: "app",
        password: SECRET_PW,
        schema: "app",
        port: 5432,
      });
      const manifest = stored.find((v) => v.key === "AFSYNC_MANIFEST");
      assert.equal(manifest?.isSecret, false);
      assert.deepEqual(
        (decodeManifest(manifest?.value ?? "", "test").get("default") ?? []).map((r) => r.key),
        ["conn:pg_main"],
      );
    });

    it("leaves every other variable exactly as it was, secret ones included", async () => {
      const dep = seed(astro, [
        { key: "MY_SETTING", value: "keep-me" },
        { key: "THIRD_PARTY_TOKEN", value: "foreign-secret-value", isSecret: true },
        { key: "AIRFLOW_VAR_NOT_OURS", value: "someone-else", isSecret: true },
      ]);
      const t = target(astro, dep);
      const first = await t.read();
      assert.ok(first.entries.has("var:not_ours"), "foreign AIRFLOW_VAR_ keys are reported as present");
      assert.equal(first.manifest, null);
      await t.apply({ upserts: [{ key: variableKey("env"), value: VAR("prod") }], deletes: [], manifest: [rec("var:env")] });
      const stored = astro.deployment(ORG, dep)?.environmentVariables ?? [];
      assert.deepEqual(
        stored.map((v) => [v.key, v.value, v.isSecret]),
        [
          ["MY_SETTING", "keep-me", false],
          ["THIRD_PARTY_TOKEN", "foreign-secret-value", true],
          ["AIRFLOW_VAR_NOT_OURS", "someone-else", true],
          ["AIRFLOW_VAR_ENV", "prod", true],
          ["AFSYNC_MANIFEST", stored[4]?.value, false],
        ],
      );
    });

    it("makes one update for a batch of changes and none when nothing changed", async () => {
      const dep = seed(astro);
      const t = target(astro, dep);
      await t.read();
      astro.resetCalls();
      const manifest = [rec("var:a"), rec("var:b"), rec("conn:c")];
      await t.apply({
        upserts: [
          { key: variableKey("a"), value: VAR("1") },
          { key: variableKey("b"), value: VAR("2") },
          { key: connectionKey("c"), value: PG },
        ],
        deletes: [],
        manifest,
      });
      assert.equal(astro.calls().UpdateDeployment, 1);
      assert.equal(astro.deployment(ORG, dep)?.restarts, 1);
      const snapshot = await t.read();
      astro.resetCalls();
      const outcome = await t.apply({ upserts: [], deletes: [], manifest: snapshot.manifest ?? [] });
      assert.equal(astro.writeCalls(), 0);
      assert.equal(outcome.calls, 1);
      assert.equal(astro.deployment(ORG, dep)?.restarts, 1);
    });

    it("reads keys back with the casing the manifest recorded", async () => {
      const dep = seed(astro);
      const t = target(astro, dep);
      await t.read();
      await t.apply({
        upserts: [{ key: variableKey("MixedCase_Key"), value: VAR("x") }],
        deletes: [],
        manifest: [rec("var:MixedCase_Key")],
      });
      const snapshot = await t.read();
      assert.ok(snapshot.entries.has("var:MixedCase_Key"));
    });

    it("refuses the second of two keys that differ only in case (one environment variable) without losing the first", async () => {
      const dep = seed(astro);
      const t = target(astro, dep);
      await t.read();
      const outcome = await t.apply({
        upserts: [
          { key: variableKey("Region"), value: VAR("eu") },
          { key: variableKey("REGION"), value: VAR("us") },
        ],
        deletes: [],
        manifest: [rec("var:Region"), rec("var:REGION")],
      });
      assert.deepEqual(
        outcome.results.map((r) => [r.key, r.ok]),
        [
          ["var:Region", true],
          ["var:REGION", false],
        ],
      );
      assert.equal(astro.deployment(ORG, dep)?.environmentVariables.find((v) => v.key === "AIRFLOW_VAR_REGION")?.value, "eu");
      const snapshot = await t.read();
      assert.deepEqual(
        snapshot.manifest?.map((r) => r.key),
        ["var:Region"],
      );
    });

    it("deletes only afsync's variable and drops the manifest once nothing is owned", async () => {
      const dep = seed(astro, [{ key: "OTHER", value: "o" }]);
      const t = target(astro, dep);
      await t.read();
      await t.apply({ upserts: [{ key: variableKey("gone"), value: VAR("1") }], deletes: [], manifest: [rec("var:gone")] });
      await t.read();
      await t.apply({ upserts: [], deletes: [variableKey("gone")], manifest: [] });
      assert.deepEqual(
        astro.deployment(ORG, dep)?.environmentVariables.map((v) => v.key),
        ["OTHER"],
      );
    });

    it("retries 429 (honouring Retry-After) and 5xx, then converges", async () => {
      const dep = seed(astro);
      const waits: number[] = [];
      const t = target(astro, dep, { retry: { ...FAST_RETRY, sleep: async (ms) => void waits.push(ms) } });
      await t.read();
      astro.resetCalls();
      astro.inject({ status: 503, operationId: "GetDeployment" });
      astro.inject({ status: 429, retryAfterSeconds: 2, operationId: "UpdateDeployment" });
      astro.inject({ status: 500, operationId: "UpdateDeployment" });
      await t.apply({ upserts: [{ key: variableKey("k"), value: VAR("v") }], deletes: [], manifest: [rec("var:k")] });
      assert.equal(astro.calls().UpdateDeployment, 3);
      assert.ok(waits.includes(2000), `Retry-After: 2 was honoured (waits: ${waits.join(",")})`);
      assert.equal(astro.deployment(ORG, dep)?.environmentVariables.find((v) => v.key === "AIRFLOW_VAR_K")?.value, "v");
    });

    it("gives up after the retry budget with a transient error", async () => {
      const dep = seed(astro);
      const t = target(astro, dep, { retry: { ...FAST_RETRY, maxAttempts: 2 } });
      astro.inject({ status: 503, times: 2, operationId: "GetDeployment" });
      await assert.rejects(t.read(), (e: unknown) => e instanceof RemoteCallError && e.errorClass === "transient" && /503/.test(e.message));
    });

    it("reports a 400 at once with the server's message and no secret in it", async () => {
      const dep = seed(astro);
      const t = target(astro, dep);
      await t.read();
      astro.resetCalls();
      astro.inject({
        status: 400,
        operationId: "UpdateDeployment",
        body: { message: `invalid environment variable value '${SECRET_PW}'`, requestId: "r1", statusCode: 400 },
      });
      const error = await t.apply({ upserts: [{ key: connectionKey("pg"), value: PG }], deletes: [], manifest: [rec("conn:pg")] }).then(
        () => assert.fail("expected a rejection"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RemoteCallError);
      assert.equal(error.status, 400);
      assert.equal(error.errorClass, "user");
      assert.match(error.message, /invalid environment variable value '\*\*\*'/);
      assertNoSecretLeak([error.message, String(error.stack)], [SECRET_PW]);
      assert.equal(astro.calls().UpdateDeployment, 1, "a 400 is not retried");
    });

    it("reports the emulator's own spec violation (a Deployment the update cannot echo) as a 400", async () => {
      const dep = `dep-${++counter}`;
      astro.seedDeployment({ id: dep, organizationId: ORG, workspaceId: "ws-789", name: "n".repeat(501) });
      const t = target(astro, dep);
      await t.read();
      await assert.rejects(
        t.apply({ upserts: [{ key: variableKey("x"), value: VAR("y") }], deletes: [], manifest: [rec("var:x")] }),
        (e: unknown) => e instanceof RemoteCallError && e.status === 400 && /name/.test(e.message),
      );
    });

    it("rebuilds a Hybrid Deployment's update (scheduler AU, node-pool queues) that the spec accepts", async () => {
      const dep = `dep-${++counter}`;
      astro.seedDeployment({
        id: dep,
        organizationId: ORG,
        workspaceId: "ws-789",
        type: "HYBRID",
        fields: {
          schedulerAu: 5,
          schedulerReplicas: 2,
          workerQueues: [
            {
              id: "wq-1",
              name: "default",
              isDefault: true,
              nodePoolId: "np-1",
              maxWorkerCount: 4,
              minWorkerCount: 1,
              workerConcurrency: 8,
              podCpu: "1",
              podMemory: "2Gi",
            },
          ],
        },
      });
      const t = target(astro, dep);
      await t.read();
      await t.apply({ upserts: [{ key: variableKey("hybrid"), value: VAR("ok") }], deletes: [], manifest: [rec("var:hybrid")] });
      assert.equal(astro.deployment(ORG, dep)?.environmentVariables.find((v) => v.key === "AIRFLOW_VAR_HYBRID")?.value, "ok");
    });

    it("keeps each afsync Deployment's records apart, so one never owns (or deletes) the other's keys", async () => {
      const dep = seed(astro);
      const a = target(astro, dep, { owner: "team-a" });
      const b = target(astro, dep, { owner: "team-b" });
      await a.read();
      await a.apply({ upserts: [{ key: variableKey("a_key"), value: VAR("a") }], deletes: [], manifest: [rec("var:a_key")] });
      const seenByB = await b.read();
      assert.ok(seenByB.entries.has("var:a_key"), "present…");
      assert.equal(seenByB.manifest, null, "…but not owned by team-b");
      await b.apply({ upserts: [{ key: variableKey("b_key"), value: VAR("b") }], deletes: [], manifest: [rec("var:b_key")] });
      assert.deepEqual(
        (await a.read()).manifest?.map((r) => r.key),
        ["var:a_key"],
      );
      assert.deepEqual(
        (await b.read()).manifest?.map((r) => r.key),
        ["var:b_key"],
      );
    });

    it("serializes concurrent writes to one Deployment within a process", async () => {
      const dep = seed(astro);
      const a = target(astro, dep);
      const b = target(astro, dep);
      await Promise.all([a.read(), b.read()]);
      astro.resetCalls();
      astro.inject({ latencyMs: 15, times: 4, operationId: "GetDeployment" });
      await Promise.all([
        a.apply({ upserts: [{ key: variableKey("from_a"), value: VAR("a") }], deletes: [], manifest: [rec("var:from_a")] }),
        b.apply({ upserts: [{ key: variableKey("from_b"), value: VAR("b") }], deletes: [], manifest: [rec("var:from_b")] }),
      ]);
      const stored = astro.deployment(ORG, dep)?.environmentVariables ?? [];
      assert.ok(stored.some((v) => v.key === "AIRFLOW_VAR_FROM_A"));
      assert.ok(stored.some((v) => v.key === "AIRFLOW_VAR_FROM_B"));
      assert.equal(astro.calls().UpdateDeployment, 2, "taking turns, neither write had to be redone");
      const manifest = decodeManifest(stored.find((v) => v.key === "AFSYNC_MANIFEST")?.value ?? "", "test").get("default") ?? [];
      assert.deepEqual(manifest.map((r) => r.key).sort(), ["var:from_a", "var:from_b"]);
    });

    it("detects a write lost to another process, merges again and keeps both sides' keys", { timeout: 60_000 }, async () => {
      const dep = seed(astro, [{ key: "KEEP", value: "k", isSecret: true }]);
      // Two "processes": separate lock tables, so nothing serializes them.
      const a = target(astro, dep, { locks: new KeyedMutex() });
      const b = target(astro, dep, { locks: new KeyedMutex() });
      await Promise.all([a.read(), b.read()]);
      astro.resetCalls();
      // Both read the same list, then both write: the second write drops the first one's key.
      astro.inject({ barrier: 2, operationId: "GetDeployment" });
      astro.inject({ barrier: 2, operationId: "UpdateDeployment" });
      await Promise.all([
        a.apply({ upserts: [{ key: variableKey("from_a"), value: VAR("a") }], deletes: [], manifest: [rec("var:from_a")] }),
        b.apply({ upserts: [{ key: variableKey("from_b"), value: VAR("b") }], deletes: [], manifest: [rec("var:from_b")] }),
      ]);
      const stored = astro.deployment(ORG, dep)?.environmentVariables ?? [];
      assert.deepEqual(stored.map((v) => v.key).sort(), ["AFSYNC_MANIFEST", "AIRFLOW_VAR_FROM_A", "AIRFLOW_VAR_FROM_B", "KEEP"]);
      assert.equal(stored.find((v) => v.key === "KEEP")?.value, "k", "the foreign secret survived three rewrites");
      assert.equal(astro.calls().UpdateDeployment, 3, "the clobbered writer wrote once more");
      const manifest = decodeManifest(stored.find((v) => v.key === "AFSYNC_MANIFEST")?.value ?? "", "test").get("default") ?? [];
      assert.deepEqual(manifest.map((r) => r.key).sort(), ["var:from_a", "var:from_b"]);
    });
  });
}
