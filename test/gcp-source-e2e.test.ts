/**
 * The gcp-secret-manager source end to end through the `afsync` binary: Secret Manager on the
 * local gRPC emulator, synced into a Deployment's `.env` file. afsync.yaml names no project and
 * no credentials: the project comes from the service account key file that
 * GOOGLE_APPLICATION_CREDENTIALS points at (Application Default Credentials), as in production.
 * The changes are made with the official client.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";

const DB_PASSWORD = "gcp-e2e-db-Pa55-8f1d";
const DB_ROTATED = "gcp-e2e-db-rotated-2c7a";
const API_TOKEN = "gcp-e2e-api-token-93be";
const KEY_MATERIAL = "gcp-e2e-private-key-4e0a";
const SENTINELS = [DB_PASSWORD, DB_ROTATED, API_TOKEN, KEY_MATERIAL];

let dir: string;
let emu: GcpEmulator;
const outputs: string[] = [];

function afsync(args: string[], config = "afsync.yaml"): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, config), outputs, {
    env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, "service-account.json"), GOOGLE_CLOUD_PROJECT: undefined, GCLOUD_PROJECT: undefined },
  });
}

function actions(report: CliRunReport): Record<string, string> {
  const d = report.deployments.find((x) => x.id === "dev");
  assert.ok(d, "deployment dev in the report");
  assert.equal(d.status, "ok", d.error);
  return Object.fromEntries(d.changes.map((c) => [c.key, c.action]));
}

function config(extra: string[] = []): string {
  return [
    "sources:",
    "  gcp-prod:",
    "    type: gcp-secret-manager",
    `    api_endpoint: "${emu.endpoint}"`,
    "    connections_prefix: airflow-connections",
    "    variables_prefix: airflow-variables",
    ...extra,
    "deployments:",
    "  dev:",
    "    target: { type: env-file, path: dev.env }",
    "    sources: [gcp-prod]",
    "    deletion: delete",
    "state: { type: sqlite, path: state.db }",
    "",
  ].join("\n");
}

describe("afsync plan/sync/explain with a gcp-secret-manager source", () => {
  let admin: SecretManagerServiceClient;
  const parent = () => `projects/${emu.project.id}`;

  before(async () => {
    emu = await startGcpEmulator({ projectId: "afsync-e2e-project" });
    emu.seedSecret({
      secretId: "airflow-connections-warehouse_db",
      versions: [`postgres://etl:${DB_PASSWORD}@warehouse.internal:5432/dwh`],
    });
    emu.seedSecret({
      secretId: "airflow-connections-orders_api",
      versions: [JSON.stringify({ conn_type: "http", host: "api.example.com", login: "svc", password: API_TOKEN })],
    });
    emu.seedSecret({ secretId: "airflow-variables-environment", versions: ["production"] });
    emu.seedSecret({ secretId: "unrelated-app-secret", versions: ["not for airflow"] });
    dir = mkdtempSync(join(tmpdir(), "afsync-gcp-e2e-"));
    writeFileSync(
      join(dir, "service-account.json"),
      JSON.stringify({
        type: "service_account",
        project_id: emu.project.id,
        client_email: "afsync@afsync-e2e-project.iam.gserviceaccount.com",
        private_key: KEY_MATERIAL,
      }),
    );
    writeFileSync(join(dir, "afsync.yaml"), config());
    admin = new SecretManagerServiceClient({
      apiEndpoint: "127.0.0.1",
      port: emu.port,
      sslCreds: credentials.createInsecure(),
      universeDomain: "googleapis.com",
      authClient: new PassThroughClient(),
    });
  });
  after(async () => {
    await admin?.close();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans a create for every key under the prefixes, the project taken from ADC's key file", async () => {
    const { code, stdout, stderr } = await afsync(["plan", "--json"]);
    assert.equal(code, 0, stderr);
    const a = actions(JSON.parse(stdout) as CliRunReport);
    assert.deepEqual(Object.keys(a).sort(), ["conn:orders_api", "conn:warehouse_db", "var:environment"]);
    assert.ok(Object.values(a).every((x) => x === "create"));
    assert.throws(() => readFileSync(join(dir, "dev.env")));
  });

  it("syncs the values into the .env file with one filtered listing", async () => {
    emu.resetCalls();
    const { code, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    const env = readFileSync(join(dir, "dev.env"), "utf8");
    assert.match(env, /^AIRFLOW_CONN_WAREHOUSE_DB=/m);
    assert.ok(env.includes(DB_PASSWORD) && env.includes(API_TOKEN));
    assert.match(env, /^AIRFLOW_VAR_ENVIRONMENT='?production'?$/m);
    assert.equal(emu.calls("ListSecrets"), 1);
  });

  it("picks up a new version, keeps the last good value when latest is disabled, and deletes a deleted secret", async () => {
    await admin.addSecretVersion({
      parent: `${parent()}/secrets/airflow-connections-warehouse_db`,
      payload: { data: Buffer.from(`postgres://etl:${DB_ROTATED}@warehouse.internal:5432/dwh`) },
    });
    let run = await afsync(["sync", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(actions(JSON.parse(run.stdout) as CliRunReport)["conn:warehouse_db"], "update");
    assert.ok(readFileSync(join(dir, "dev.env"), "utf8").includes(DB_ROTATED));

    await admin.disableSecretVersion({ name: `${parent()}/secrets/airflow-connections-warehouse_db/versions/2` });
    run = await afsync(["sync", "--json"]);
    assert.equal(run.code, 1, "an unreadable value is reported (exit 1), the rest applied");
    assert.ok(readFileSync(join(dir, "dev.env"), "utf8").includes(DB_ROTATED), "a disabled latest version deletes nothing");
    assert.match(run.stdout, /latest version 2 is DISABLED/);
    await admin.enableSecretVersion({ name: `${parent()}/secrets/airflow-connections-warehouse_db/versions/2` });

    await admin.deleteSecret({ name: `${parent()}/secrets/airflow-connections-orders_api` });
    run = await afsync(["sync", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(actions(JSON.parse(run.stdout) as CliRunReport)["conn:orders_api"], "delete");
    assert.ok(!readFileSync(join(dir, "dev.env"), "utf8").includes(API_TOKEN));
  });

  it("explains where a key comes from", async () => {
    const { code, stdout, stderr } = await afsync(["explain", "var:environment", "--json"]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.includes("gcp-prod"), stdout);
  });

  it("refuses credentials written into afsync.yaml, naming the option", async () => {
    writeFileSync(join(dir, "inline.yaml"), config([`    gcp_keyfile_dict: { private_key: "${KEY_MATERIAL}" }`]));
    const { code, stdout, stderr } = await afsync(["plan", "--json"], "inline.yaml");
    assert.notEqual(code, 0);
    // With --json the error is JSON on stdout (docs/cli.md, conventions).
    const { error } = JSON.parse(stdout) as { error: { message: string } };
    assert.match(error.message, /gcp_keyfile_dict/);
    assert.match(error.message, /never inline/);
    assertNoSecretLeak([stdout, stderr], [KEY_MATERIAL]);
  });

  it("never prints a secret value", () => {
    assertNoSecretLeak(
      outputs.filter((o) => !o.includes("AIRFLOW_CONN")),
      SENTINELS,
    );
  });
});
