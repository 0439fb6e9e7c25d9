/**
 * Regression found by the Azure storm (azureStorm.test.ts, seeds 1 and 2 at the small size): a
 * worker killed after a target took a new connection but before it took the ownership manifest
 * left a key afsync had created but never recorded, and every later run, reconciliations
 * included, refused it as someone else's ("conflict"): the target kept a stale value forever.
 * Found on the Airflow REST API (both versions: the connections and the manifest variable go in
 * separate calls) and the Astro Environment Manager (one object per call, the manifest last).
 *
 * The storm's outcome depends on when the kill lands, so the seed alone does not replay it; this
 * replays the kill exactly: the first process's transport dies right after the values call
 * landed (nothing it sends afterwards arrives, as after SIGKILL), and a second process, with
 * the real engine and target over the emulator, must take the key over as its own.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import { AstroEnvironmentTarget } from "@afsync/astro/AstroEnvironmentTarget";
import type { Connection } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import type { DeploymentTarget } from "@afsync/core/ports/DeploymentTarget";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { FetchLike } from "@afsync/http/FetchLike";
import { createTestHasher, FixedClock, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";

const FIRST = "kill-first-pw-5c1e";
const ROTATED = "kill-rotated-pw-90ab";
const ASTRO_TOKEN = "kill-astro-token-3d7f";
const pg = (password: string, host: string): Connection => ({
  conn_type: "postgres",
  host,
  login: "app",
  password,
  schema: "db",
  port: 5432,
  extra: null,
});

/** An engine of its own per process, as after a restart (nothing shared but the target). */
function freshEngine(): SyncEngine {
  return new SyncEngine({ clock: new FixedClock(), hasher: createTestHasher(), logger: { log() {} }, state: new InMemoryStateStore() });
}

/** One Deployment syncing everything `source` holds, deleting what it drops. */
function bindingOf(id: string, target: DeploymentTarget, source: InMemorySecretSource): DeploymentBinding {
  return { id, target, sources: [source], deletion: "delete", adopt: false, include: ["*"], exclude: [] };
}

/** A transport that dies once a values write has landed: every later request fails, as in a killed process. */
function dyingAfterValues(isValueWrite: (request: Request, body: string) => boolean): FetchLike {
  let dead = false;
  return async (request: Request) => {
    if (dead) throw new TypeError("fetch failed: the process was killed");
    const body = request.method === "GET" ? "" : await request.clone().text();
    const response = await globalThis.fetch(request);
    if (response.ok && isValueWrite(request, body)) dead = true;
    return response;
  };
}

async function killThenResync(
  makeTarget: (fetch?: FetchLike) => DeploymentTarget,
  stored: () => Record<string, unknown> | undefined,
  killedBeforeTheValue = false,
) {
  const source = new InMemorySecretSource("kv").setConnection("stormc0", pg(FIRST, "h1.internal"));
  const engine = freshEngine();
  const binding = (target: DeploymentTarget) => bindingOf("dep", target, source);
  const killed = await engine.sync([binding(makeTarget(undefined))], { kind: "full" });
  assert.equal(killed.deployments[0]?.status, "failed", "the first process died before it finished");
  if (killedBeforeTheValue) assert.equal(stored(), undefined, "killed after its record landed, before its value");
  else assert.equal(stored()?.password, FIRST, "its connection write had landed");

  source.setConnection("stormc0", pg(ROTATED, "h2.internal"));
  const next = await engine.sync([binding(makeTarget(globalThis.fetch))], { kind: "full" });
  const change = next.deployments[0]?.changes.find((c) => c.key === "conn:stormc0");
  assert.equal(
    change?.action,
    killedBeforeTheValue ? "create" : "update",
    `afsync takes back the key it created (or creates the one it recorded): ${JSON.stringify(change)}`,
  );
  assert.equal(stored()?.password, ROTATED);
  assert.equal(stored()?.host, "h2.internal");
  const settled = await engine.sync([binding(makeTarget(globalThis.fetch))], { kind: "full" });
  assert.equal(settled.deployments[0]?.changes.find((c) => c.key === "conn:stormc0")?.action, "unchanged");
}

for (const apiVersion of [1, 2] as const) {
  describe(`killed between the connection and the manifest: Airflow REST API v${apiVersion}`, () => {
    let airflow: AirflowEmulator;
    before(async () => {
      airflow = await startAirflowEmulator({ apiVersion, users: { admin: "pw" } });
    });
    after(() => airflow.close());

    it("the next run updates the connection it created instead of calling it a conflict", async () => {
      const make = (transport?: FetchLike) =>
        new AirflowApiTarget({
          url: airflow.url,
          apiVersion,
          auth: { type: apiVersion === 1 ? "basic" : "airflow-token", username: "admin", password: "pw" },
          state: "manifest",
          manifestVariable: "afsync_manifest",
          pageLimit: 100,
          batchSize: 100,
          retry: { maxAttempts: 1 },
          // Airflow 2 writes the connection, then the manifest; Airflow 3 writes the manifest's
          // change in the variables' bulk call first, then the connection: the kill lands between.
          fetch:
            transport ??
            dyingAfterValues(
              (request, body) =>
                request.method !== "GET" &&
                new URL(request.url).pathname.includes(apiVersion === 1 ? "/connections" : "/variables") &&
                // The manifest's fold lock is a connection too, taken around the first write's fold.
                !`${request.url} ${body}`.includes("fold-lock"),
            ),
        });
      await killThenResync(
        make,
        () => airflow.state.connections.get("stormc0") as unknown as Record<string, unknown> | undefined,
        apiVersion === 2,
      );
    });

    it("sends no value when the manifest recording the creates first cannot be written", async () => {
      const source = new InMemorySecretSource("kv").setConnection("fresh", pg(FIRST, "h3.internal"));
      const engine = freshEngine();
      const target = new AirflowApiTarget({
        url: airflow.url,
        apiVersion,
        auth: { type: apiVersion === 1 ? "basic" : "airflow-token", username: "admin", password: "pw" },
        state: "manifest",
        manifestVariable: "afsync_manifest_2",
        pageLimit: 100,
        batchSize: 100,
        retry: { maxAttempts: 1 },
      });
      airflow.inject({ status: 500, times: 2, operationId: apiVersion === 1 ? "post_variables" : "bulk_variables" });
      const report = await engine.sync([bindingOf("dep2", target, source)], { kind: "full" });
      airflow.faults.clear();
      assert.equal(report.deployments[0]?.status, "failed");
      if (apiVersion === 1) assert.match(report.deployments[0]?.error ?? "", /afsync_manifest_2/);
      else
        assert.match(report.deployments[0]?.changes.find((c) => c.key === "conn:fresh")?.error ?? "", /manifest could not record it first/);
      assert.equal(airflow.state.connections.has("fresh"), false, "no connection went out unrecorded");
    });
  });
}

describe("killed between the object and the manifest: Astro Environment Manager", () => {
  let astro: AstroEmulator;
  before(async () => {
    astro = await startAstroEmulator({ token: ASTRO_TOKEN });
    astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
  });
  after(() => astro.close());

  it("the next run updates the object it created instead of calling it a conflict", async () => {
    const make = (transport?: FetchLike) =>
      new AstroEnvironmentTarget({
        organizationId: "org-1",
        scope: { scope: "DEPLOYMENT", scopeEntityId: "dep-astro" },
        apiUrl: astro.v1Url,
        token: ASTRO_TOKEN,
        retry: { maxAttempts: 1 },
        fetch: transport ?? dyingAfterValues((request, body) => request.method !== "GET" && body.includes('"CONNECTION"')),
      });
    await killThenResync(make, () => astro.environmentObjects().find((o) => o.objectKey === "stormc0")?.connection);
  });
});

/**
 * Regression found by the GCP storm (small size, seed 1657217031, on CI): Airflow 3 wrote the
 * manifest's change in the variables' bulk call before the connections', for updates as for
 * creates. A worker killed between the two left an updated connection at its old value under a
 * record of the new one, and every later run, reconciliations included, called it unchanged.
 */
describe("killed between the manifest and a connection update: Airflow REST API v2", () => {
  let airflow: AirflowEmulator;
  before(async () => {
    airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: "pw" } });
  });
  after(() => airflow.close());

  it("the next run still writes the new value", async () => {
    const source = new InMemorySecretSource("kv").setConnection("rotated", pg(FIRST, "h1.internal"));
    const engine = freshEngine();
    const make = (fetch: FetchLike) =>
      new AirflowApiTarget({
        url: airflow.url,
        apiVersion: 2,
        auth: { type: "airflow-token", username: "admin", password: "pw" },
        state: "manifest",
        manifestVariable: "afsync_manifest_u",
        pageLimit: 100,
        batchSize: 100,
        retry: { maxAttempts: 1 },
        fetch,
      });
    const binding = (target: DeploymentTarget) => bindingOf("dep-u", target, source);
    const first = await engine.sync([binding(make(globalThis.fetch))], { kind: "full" });
    assert.equal(first.deployments[0]?.status, "ok");

    source.setConnection("rotated", pg(ROTATED, "h2.internal"));
    // The process dies once its first write to the API has landed, whichever it is.
    const killed = await engine.sync(
      [binding(make(dyingAfterValues((request) => request.method !== "GET" && new URL(request.url).pathname.startsWith("/api/"))))],
      { kind: "full" },
    );
    assert.equal(killed.deployments[0]?.status, "failed", "the second process died before it finished");

    const next = await engine.sync([binding(make(globalThis.fetch))], { kind: "full" });
    assert.equal(next.deployments[0]?.status, "ok");
    const stored = airflow.state.connections.get("rotated") as unknown as Record<string, unknown> | undefined;
    assert.equal(stored?.host, "h2.internal", `the rotated value reached Airflow: ${JSON.stringify(next.deployments[0]?.changes)}`);
    assert.equal(stored?.password, ROTATED);
    const settled = await engine.sync([binding(make(globalThis.fetch))], { kind: "full" });
    assert.equal(settled.deployments[0]?.changes.find((c) => c.key === "conn:rotated")?.action, "unchanged");
  });
});
