/**
 * The Astro targets end to end through the `afsync` binary: team secret files (the `local`
 * source) synced into an Astro Deployment's environment variables (`astro-env-vars`) and into
 * Environment Manager objects linked to it (`astro-environment`), on the spec-checked Astro
 * emulator, with afsync's state kept in Astro itself (`state: target`). Variables that were on
 * the Deployment before — secret ones whose values the API never returns included — stay as
 * they were, and a Deployment gets one update per changed sync and none for a no-op.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";

const ORG = "org-123";
const DEP = "dep-456";
const WS = "ws-789";
const ASTRO_TOKEN = "e2e-astro-token-5d1e";
const DB_PASSWORD = "astro-db-Pa55word-71c3";
const DB_PASSWORD_ROTATED = "astro-db-rotated-2f9a";
const DB_PASSWORD_REJECTED = "astro-db-rejected-6c0d";
const THEIR_SECRET = "their-secret-value-8e4b";
const SENTINELS = [ASTRO_TOKEN, DB_PASSWORD, DB_PASSWORD_ROTATED, DB_PASSWORD_REJECTED, THEIR_SECRET];

let astro: AstroEmulator;
let root: string;
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
    "shared_conn: http://example.com",
    "",
  ].join("\n");
}

function configYaml(deployments: string[]): string {
  return [
    "sources:",
    "  team-files:",
    "    type: local",
    "    connections_file_path: secrets/connections.yaml",
    "    variables_file_path: secrets/variables.yaml",
    "deployments:",
    ...deployments,
    "state: { type: target, hmac_key_env: AFSYNC_HMAC_KEY }",
    "",
  ].join("\n");
}

function envVarsTarget(id: string, deploymentId: string): string[] {
  return [
    `  ${id}:`,
    "    target:",
    "      type: astro-env-vars",
    `      organization_id: ${ORG}`,
    `      deployment_id: ${deploymentId}`,
    "      token_env: ASTRO_API_TOKEN",
    `      api_url: ${astro.v1Url}`,
    "      retry: { base_delay_ms: 5, max_delay_ms: 50 }",
    "    sources: [team-files]",
    "    deletion: delete",
  ];
}

function projectDir(name: string, deployments: string[], password = DB_PASSWORD, variables = "environment: production\n"): string {
  const dir = join(root, name);
  mkdirSync(join(dir, "secrets"), { recursive: true });
  writeFileSync(join(dir, "secrets/connections.yaml"), connectionsYaml(password));
  writeFileSync(join(dir, "secrets/variables.yaml"), variables);
  writeFileSync(join(dir, "afsync.yaml"), configYaml(deployments));
  return dir;
}

function afsync(dir: string, ...args: string[]): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, "afsync.yaml"), outputs, {
    env: { ASTRO_API_TOKEN: ASTRO_TOKEN, AFSYNC_HMAC_KEY: "astro-e2e-hmac-key-0123456789abcdef" },
  });
}

function actions(report: CliRunReport, id: string): Record<string, string> {
  const d = report.deployments.find((x) => x.id === id);
  assert.ok(d, `deployment ${id} in the report`);
  return Object.fromEntries(d.changes.map((c) => [c.key, c.action]));
}

const envVar = (deploymentId: string, key: string) => astro.deployment(ORG, deploymentId)?.environmentVariables.find((v) => v.key === key);

describe("afsync plan/sync into an Astro Deployment (env vars) and the Astro Environment Manager", () => {
  let dir: string;
  before(async () => {
    astro = await startAstroEmulator({ token: ASTRO_TOKEN });
    astro.seedDeployment({
      id: DEP,
      organizationId: ORG,
      workspaceId: WS,
      environmentVariables: [
        { key: "MY_SETTING", value: "keep-me" },
        { key: "THIRD_PARTY_TOKEN", value: THEIR_SECRET, isSecret: true },
        { key: "AIRFLOW_CONN_SHARED_CONN", value: "http://hand-made", isSecret: true },
      ],
    });
    root = mkdtempSync(join(tmpdir(), "afsync-astro-e2e-"));
    dir = projectDir("main", [
      ...envVarsTarget("astro-prod", DEP),
      "  astro-shared:",
      "    target:",
      "      type: astro-environment",
      `      organization_id: ${ORG}`,
      `      workspace_id: ${WS}`,
      `      link_deployments: [${DEP}]`,
      "      token_env: ASTRO_API_TOKEN",
      `      api_url: ${astro.v1Url}`,
      "      retry: { base_delay_ms: 5, max_delay_ms: 50 }",
      "    sources: [team-files]",
      "    deletion: delete",
    ]);
  });
  after(async () => {
    await astro?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("plans creates, and a conflict for the variable it does not own, writing nothing", async () => {
    const { code, stdout, stderr } = await afsync(dir, "plan", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as CliRunReport;
    const prod = actions(report, "astro-prod");
    assert.equal(prod["conn:warehouse_db"], "create");
    assert.equal(prod["var:environment"], "create");
    assert.equal(prod["conn:shared_conn"], "conflict");
    const shared = actions(report, "astro-shared");
    assert.equal(shared["conn:warehouse_db"], "create");
    assert.equal(shared["conn:shared_conn"], "create");
    assert.equal(astro.writeCalls(), 0);
  });

  it("syncs with one Deployment update and leaves every other variable as it was", async () => {
    const { code, stderr } = await afsync(dir, "sync", "--json");
    assert.equal(code, 0, stderr);
    const conn = envVar(DEP, "AIRFLOW_CONN_WAREHOUSE_DB");
    assert.equal(conn?.isSecret, true);
    assert.deepEqual(JSON.parse(conn?.value ?? "{}"), {
      conn_type: "postgres",
      host: "warehouse.example.internal",
      login: "etl_user",
      password: DB_PASSWORD,
      port: 5432,
      extra: { sslmode: "require" },
    });
    assert.equal(envVar(DEP, "AIRFLOW_VAR_ENVIRONMENT")?.value, "production");
    assert.equal(envVar(DEP, "MY_SETTING")?.value, "keep-me");
    assert.equal(envVar(DEP, "THIRD_PARTY_TOKEN")?.value, THEIR_SECRET, "a secret the API never returned kept its value");
    assert.equal(envVar(DEP, "AIRFLOW_CONN_SHARED_CONN")?.value, "http://hand-made");
    assert.equal(envVar(DEP, "AFSYNC_MANIFEST")?.isSecret, false);
    assert.equal(astro.deployment(ORG, DEP)?.updates, 1);
    assert.equal(astro.deployment(ORG, DEP)?.restarts, 1);

    const objects = astro.environmentObjects();
    const warehouse = objects.find((o) => o.objectKey === "warehouse_db");
    assert.equal(warehouse?.connection?.password, DB_PASSWORD);
    assert.deepEqual(warehouse?.connection?.extra, { sslmode: "require" });
    assert.deepEqual(
      warehouse?.links.map((l) => l.scopeEntityId),
      [DEP],
    );
    assert.ok(objects.some((o) => o.objectKey === "AFSYNC_ENVIRONMENT_MANIFEST" && o.links.length === 0));
  });

  it("makes zero write calls (and no restart) on a second sync", async () => {
    astro.resetCalls();
    const { code, stdout, stderr } = await afsync(dir, "sync", "--json");
    assert.equal(code, 0, stderr);
    assert.equal(astro.writeCalls(), 0, JSON.stringify(astro.calls()));
    assert.equal(astro.deployment(ORG, DEP)?.restarts, 1);
    const report = JSON.parse(stdout) as CliRunReport;
    assert.equal(actions(report, "astro-prod")["conn:warehouse_db"], "unchanged");
    assert.equal(actions(report, "astro-shared")["conn:warehouse_db"], "unchanged");
  });

  it("converges through 429 and 5xx answers when a password rotates, with one more update", async () => {
    writeFileSync(join(dir, "secrets/connections.yaml"), connectionsYaml(DB_PASSWORD_ROTATED));
    astro.inject({ status: 429, retryAfterSeconds: 0, operationId: "UpdateDeployment" });
    astro.inject({ status: 502, operationId: "GetDeployment" });
    astro.inject({ status: 503, operationId: "UpdateEnvironmentObject" });
    const { code, stdout, stderr } = await afsync(dir, "sync", "--json");
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as CliRunReport;
    assert.equal(actions(report, "astro-prod")["conn:warehouse_db"], "update");
    assert.equal(JSON.parse(envVar(DEP, "AIRFLOW_CONN_WAREHOUSE_DB")?.value ?? "{}").password, DB_PASSWORD_ROTATED);
    assert.equal(astro.environmentObjects().find((o) => o.objectKey === "warehouse_db")?.connection?.password, DB_PASSWORD_ROTATED);
    assert.equal(astro.deployment(ORG, DEP)?.updates, 2);
    assert.equal(envVar(DEP, "THIRD_PARTY_TOKEN")?.value, THEIR_SECRET);
  });

  it("reports a 400 with the server's message and no secret in it, and exits 1", async () => {
    writeFileSync(join(dir, "secrets/connections.yaml"), connectionsYaml(DB_PASSWORD_REJECTED));
    // A server that echoes the offending input back: the report must still not carry it.
    astro.inject({
      status: 400,
      operationId: "UpdateDeployment",
      body: { message: `environment variable rejected: ${DB_PASSWORD_REJECTED}`, requestId: "r-400", statusCode: 400 },
    });
    const { code, stdout } = await afsync(dir, "sync", "--json");
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as CliRunReport;
    const prod = report.deployments.find((d) => d.id === "astro-prod");
    const reported = JSON.stringify(prod);
    assert.match(reported, /HTTP 400/);
    assert.match(reported, /environment variable rejected: \*\*\*/);
    assert.equal(JSON.parse(envVar(DEP, "AIRFLOW_CONN_WAREHOUSE_DB")?.value ?? "{}").password, DB_PASSWORD_ROTATED, "nothing half-written");
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, SENTINELS);
  });
});

describe("two afsync processes syncing into one Astro Deployment at once", () => {
  before(async () => {
    astro = await startAstroEmulator({ token: ASTRO_TOKEN });
    astro.seedDeployment({
      id: "dep-shared",
      organizationId: ORG,
      workspaceId: WS,
      environmentVariables: [{ key: "THIRD_PARTY_TOKEN", value: THEIR_SECRET, isSecret: true }],
    });
    root = mkdtempSync(join(tmpdir(), "afsync-astro-race-"));
  });
  after(async () => {
    await astro?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("loses no key: the overwritten process notices on read-back and merges again", { timeout: 60_000 }, async () => {
    const teamA = projectDir("team-a", envVarsTarget("team-a", "dep-shared"), DB_PASSWORD, "team_a_flag: on\n");
    const teamB = projectDir("team-b", envVarsTarget("team-b", "dep-shared"), DB_PASSWORD, "team_b_flag: on\n");
    writeFileSync(join(teamA, "secrets/connections.yaml"), "team_a_api: http://a.example.com\n");
    writeFileSync(join(teamB, "secrets/connections.yaml"), "team_b_api: http://b.example.com\n");
    // Hold both updates until both arrived: each was built from a list without the other's key.
    astro.inject({ barrier: 2, operationId: "UpdateDeployment" });
    const [a, b] = await Promise.all([afsync(teamA, "sync", "--json"), afsync(teamB, "sync", "--json")]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const keys = (astro.deployment(ORG, "dep-shared")?.environmentVariables ?? []).map((v) => v.key).sort();
    assert.deepEqual(keys, [
      "AFSYNC_MANIFEST",
      "AIRFLOW_CONN_TEAM_A_API",
      "AIRFLOW_CONN_TEAM_B_API",
      "AIRFLOW_VAR_TEAM_A_FLAG",
      "AIRFLOW_VAR_TEAM_B_FLAG",
      "THIRD_PARTY_TOKEN",
    ]);
    assert.equal(astro.calls().UpdateDeployment, 3, "one of the two wrote again after its write was lost");
    const manifest = JSON.parse(envVar("dep-shared", "AFSYNC_MANIFEST")?.value ?? "{}") as { owners: Record<string, { key: string }[]> };
    assert.deepEqual(
      Object.fromEntries(Object.entries(manifest.owners).map(([owner, records]) => [owner, records.map((r) => r.key).sort()])),
      { "team-a": ["conn:team_a_api", "var:team_a_flag"], "team-b": ["conn:team_b_api", "var:team_b_flag"] },
    );
    // Each team owns only its own keys: team B's next sync (deletion: delete) leaves team A's alone.
    const again = await afsync(teamB, "sync", "--json");
    assert.equal(again.code, 0, again.stderr);
    assert.ok(envVar("dep-shared", "AIRFLOW_VAR_TEAM_A_FLAG"));
    assert.ok(envVar("dep-shared", "AIRFLOW_CONN_TEAM_A_API"));
    assert.equal(envVar("dep-shared", "THIRD_PARTY_TOKEN")?.value, THEIR_SECRET);
    assertNoSecretLeak(outputs, SENTINELS);
  });
});
