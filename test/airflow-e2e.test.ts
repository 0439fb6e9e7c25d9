/**
 * The Airflow REST API target end to end through the `afsync` binary: team secret files (the
 * `local` source) synced into an Airflow 2 Deployment (`/api/v1`, basic auth) and an Airflow 3
 * Deployment (`/api/v2`, `/auth/token`) on the spec-checked emulators, with afsync's state kept
 * in each Deployment (`state: target`). Keys the Deployments held before stay untouched.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";

const DB_PASSWORD = "e2e-db-Pa55word-4f1c";
const DB_PASSWORD_ROTATED = "e2e-db-rotated-9a2b";
const API_TOKEN = "e2e-api-token-77d0";
const THEIR_PASSWORD = "their-own-pw-1e5a";
const AIRFLOW2_PASSWORD = "airflow2-user-pw-3c9d";
const AIRFLOW3_PASSWORD = "airflow3-user-pw-8b2e";
const SENTINELS = [DB_PASSWORD, DB_PASSWORD_ROTATED, API_TOKEN, THEIR_PASSWORD, AIRFLOW2_PASSWORD, AIRFLOW3_PASSWORD];

let dir: string;
let af2: AirflowEmulator;
let af3: AirflowEmulator;
const outputs: string[] = [];

function connectionsYaml(password: string): string {
  return [
    "warehouse_db:",
    "  conn_type: postgres",
    "  host: warehouse.example.internal",
    "  login: etl_user",
    `  password: ${password}`,
    "  port: 5432",
    "  extra_dejson: { sslmode: require }",
    `orders_api: http://svc:${API_TOKEN}@api.example.com:443/v1`,
    "shared_conn: http://example.com",
    "",
  ].join("\n");
}

function seedTheirKeys(af: AirflowEmulator): void {
  af.state.seedConnection({ connection_id: "their_conn", conn_type: "mysql", host: "theirs", password: THEIR_PASSWORD });
  af.state.seedConnection({ connection_id: "shared_conn", conn_type: "http", host: "hand-made" });
  af.state.seedVariable("their_var", "keep me");
}

function afsync(...args: string[]): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, "afsync.yaml"), outputs, {
    env: {
      AF2_USER: "afsync",
      AF2_PASSWORD: AIRFLOW2_PASSWORD,
      AF3_USER: "afsync",
      AF3_PASSWORD: AIRFLOW3_PASSWORD,
      AFSYNC_HMAC_KEY: "e2e-hmac-key-0123456789abcdef-0123456789",
    },
  });
}

function actions(report: CliRunReport, id: string): Record<string, string> {
  const d = report.deployments.find((x) => x.id === id);
  assert.ok(d, `deployment ${id} in the report`);
  return Object.fromEntries(d.changes.map((c) => [c.key, c.action]));
}

describe("afsync plan/sync into Airflow 2 (/api/v1) and Airflow 3 (/api/v2) Deployments", () => {
  before(async () => {
    af2 = await startAirflowEmulator({ apiVersion: 1, users: { afsync: AIRFLOW2_PASSWORD } });
    af3 = await startAirflowEmulator({ apiVersion: 2, users: { afsync: AIRFLOW3_PASSWORD } });
    seedTheirKeys(af2);
    seedTheirKeys(af3);
    dir = mkdtempSync(join(tmpdir(), "afsync-airflow-e2e-"));
    mkdirSync(join(dir, "secrets"));
    writeFileSync(join(dir, "secrets/connections.yaml"), connectionsYaml(DB_PASSWORD));
    writeFileSync(join(dir, "secrets/variables.yaml"), "environment: production\nfeature_flags: { new_dashboard: true }\n");
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  team-files:",
        "    type: local",
        "    connections_file_path: secrets/connections.yaml",
        "    variables_file_path: secrets/variables.yaml",
        "deployments:",
        "  airflow2:",
        "    target:",
        "      type: airflow-api",
        "      url: https://airflow2.example.com",
        `      api_url: ${af2.url}`,
        "      api_version: 1",
        "      auth: { type: basic, username_env: AF2_USER, password_env: AF2_PASSWORD }",
        "      retry: { base_delay_ms: 5, max_delay_ms: 50 }",
        "    sources: [team-files]",
        "    deletion: delete",
        "  airflow3:",
        "    target:",
        "      type: airflow-api",
        "      url: https://airflow3.example.com",
        `      api_url: ${af3.url}`,
        "      api_version: 2",
        "      auth: { type: airflow-token, username_env: AF3_USER, password_env: AF3_PASSWORD }",
        "      retry: { base_delay_ms: 5, max_delay_ms: 50 }",
        "    sources: [team-files]",
        "    deletion: delete",
        "state: { type: target, hmac_key_env: AFSYNC_HMAC_KEY }",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await af2?.close();
    await af3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans creates for the source's keys and a conflict for the key it does not own, writing nothing", async () => {
    const { code, stdout, stderr } = await afsync("plan", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as CliRunReport;
    for (const id of ["airflow2", "airflow3"]) {
      const a = actions(report, id);
      assert.equal(a["conn:warehouse_db"], "create");
      assert.equal(a["conn:orders_api"], "create");
      assert.equal(a["var:environment"], "create");
      assert.equal(a["var:feature_flags"], "create");
      assert.equal(a["conn:shared_conn"], "conflict");
      assert.equal(a["conn:their_conn"], undefined);
    }
    assert.equal(af2.writeCalls() + af3.writeCalls(), 0);
  });

  it("syncs both Deployments and leaves what was there before untouched", async () => {
    const { code, stderr } = await afsync("sync", "--json");
    assert.equal(code, 0, stderr);
    for (const af of [af2, af3]) {
      assert.equal(af.state.connections.get("warehouse_db")?.password, DB_PASSWORD);
      // extra is sent as Python's json.dumps writes it, the text Airflow itself would store
      assert.equal(af.state.connections.get("warehouse_db")?.extra, '{"sslmode": "require"}');
      assert.equal(af.state.connections.get("orders_api")?.password, API_TOKEN);
      assert.equal(af.state.variables.get("environment")?.value, "production");
      assert.equal(af.state.connections.get("their_conn")?.password, THEIR_PASSWORD);
      assert.equal(af.state.connections.get("shared_conn")?.host, "hand-made");
      assert.equal(af.state.variables.get("their_var")?.value, "keep me");
      // The ownership manifest: its log's first segment (ADR 009; a base comes with the first fold).
      assert.ok([...af.state.variables.keys()].some((k) => k.startsWith("afsync_manifest")));
    }
    // Airflow 3: one bulk call for the variables with the manifest's change, made before the one
    // for the connections (a record ahead of its key is repaired next run; a key ahead of its
    // record would be a conflict), so creates need no write-ahead call.
    assert.equal(af3.callCount("bulk_connections"), 1);
    assert.equal(af3.callCount("bulk_variables"), 1);
  });

  it("makes zero write calls on a second sync", async () => {
    af2.resetCalls();
    af3.resetCalls();
    const { code, stdout, stderr } = await afsync("sync", "--json");
    assert.equal(code, 0, stderr);
    assert.equal(af2.writeCalls(), 0, JSON.stringify(af2.callCounts()));
    assert.equal(af3.writeCalls(), 0, JSON.stringify(af3.callCounts()));
    const report = JSON.parse(stdout) as CliRunReport;
    for (const id of ["airflow2", "airflow3"]) {
      const a = actions(report, id);
      assert.equal(a["conn:warehouse_db"], "unchanged");
      assert.equal(a["conn:shared_conn"], "conflict");
    }
  });

  it("converges through 429 and 5xx answers when a password rotates", async () => {
    writeFileSync(join(dir, "secrets/connections.yaml"), connectionsYaml(DB_PASSWORD_ROTATED));
    af2.inject({ status: 429, retryAfterSeconds: 0, operationId: "patch_connection" });
    af2.inject({ status: 502, operationId: "patch_connection" });
    af3.inject({ status: 503, times: 2, operationId: "bulk_connections" });
    af3.inject({ status: 429, retryAfterSeconds: 0, operationId: "bulk_variables" });
    const { code, stdout, stderr } = await afsync("sync", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as CliRunReport;
    for (const [id, af] of [
      ["airflow2", af2],
      ["airflow3", af3],
    ] as const) {
      assert.equal(actions(report, id)["conn:warehouse_db"], "update");
      assert.equal(af.state.connections.get("warehouse_db")?.password, DB_PASSWORD_ROTATED);
      assert.equal(af.faults.pendingCount, 0);
    }
  });

  it("reports a bulk partial failure per key and exits 1, keeping the rest", async () => {
    writeFileSync(join(dir, "secrets/variables.yaml"), "environment: staging\nfeature_flags: { new_dashboard: false }\n");
    af3.failBulkItem("variable", "environment", { status: 400, message: "The variable environment could not be written." });
    const { code, stdout } = await afsync("sync", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as CliRunReport;
    const failed = report.deployments.find((d) => d.id === "airflow3")?.changes.find((c) => c.key === "var:environment");
    assert.match(failed?.error ?? "", /400 The variable environment could not be written/);
    assert.equal(af3.state.variables.get("environment")?.value, "production");
    assert.equal(af3.state.variables.get("feature_flags")?.value, '{"new_dashboard": false}');
    assert.equal(af2.state.variables.get("environment")?.value, "staging");
    // The failed key is retried on the next run and then lands.
    const again = await afsync("sync", "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.equal(af3.state.variables.get("environment")?.value, "staging");
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, SENTINELS);
  });
});
