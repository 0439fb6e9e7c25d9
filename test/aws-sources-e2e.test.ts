/**
 * The AWS sources end to end through the `afsync` binary: Secrets Manager and SSM Parameter Store
 * on the AWS emulator (reached through AWS_ENDPOINT_URL with fake static credentials, exactly as
 * a user points the SDK elsewhere) synced into a Deployment's `.env` file. The rotation is made
 * with the real SDK, and the EventBridge event it emits is fed to `afsync event parse`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";
import { DeleteSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const DB_PASSWORD = "aws-e2e-db-Pa55-71c2";
const DB_ROTATED = "aws-e2e-db-rotated-0d9e";
const API_KEY = "aws-e2e-api-key-5b3a";
const SSM_TOKEN = "aws-e2e-ssm-token-e41f";
const SENTINELS = [DB_PASSWORD, DB_ROTATED, API_KEY, SSM_TOKEN];

let dir: string;
let emu: AwsEmulator;
const outputs: string[] = [];

function afsync(args: string[], input?: string): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, "afsync.yaml"), outputs, {
    env: {
      AWS_ENDPOINT_URL: emu.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDFAKE",
      AWS_SECRET_ACCESS_KEY: "fake",
      AWS_MAX_ATTEMPTS: "2",
    },
    ...(input === undefined ? {} : { stdin: input }),
  });
}

function actions(report: CliRunReport): Record<string, string> {
  const d = report.deployments.find((x) => x.id === "dev");
  assert.ok(d, "deployment dev in the report");
  assert.equal(d.status, "ok", d.error);
  return Object.fromEntries(d.changes.map((c) => [c.key, c.action]));
}

describe("afsync plan/sync/explain with aws-secrets-manager and aws-ssm sources", () => {
  const sm = () =>
    new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });

  before(async () => {
    emu = await startAwsEmulator();
    emu.seedSecret({ name: "airflow/connections/warehouse_db", secretString: `postgres://etl:${DB_PASSWORD}@warehouse.internal:5432/dwh` });
    emu.seedSecret({
      name: "airflow/connections/orders_api",
      secretString: JSON.stringify({ conn_type: "http", host: "api.example.com", user: "svc", key: API_KEY }),
    });
    emu.seedSecret({ name: "airflow/variables/environment", secretString: "production" });
    emu.seedSecret({ name: "unrelated/app-secret", secretString: "not for airflow" });
    emu.seedParameter({ name: "/airflow/variables/environment", value: "shadowed-by-secrets-manager" });
    emu.seedParameter({ name: "/airflow/variables/slack_token", value: SSM_TOKEN, type: "SecureString" });
    dir = mkdtempSync(join(tmpdir(), "afsync-aws-e2e-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  aws-prod:",
        "    type: aws-secrets-manager",
        "    region_name: us-east-1",
        "    connections_prefix: airflow/connections",
        "    variables_prefix: airflow/variables",
        "  aws-params:",
        "    type: aws-ssm",
        "    region_name: us-east-1",
        "    connections_prefix: /airflow/connections",
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [aws-prod, aws-params]",
        "    deletion: delete",
        "state: { type: sqlite, path: state.db }",
        "",
      ].join("\n"),
    );
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans a create for every key under the prefixes, first source winning, writing nothing", async () => {
    const { code, stdout, stderr } = await afsync(["plan", "--json"]);
    assert.equal(code, 0, stderr);
    const a = actions(JSON.parse(stdout) as CliRunReport);
    assert.deepEqual(Object.keys(a).sort(), ["conn:orders_api", "conn:warehouse_db", "var:environment", "var:slack_token"]);
    assert.ok(Object.values(a).every((x) => x === "create"));
    assert.throws(() => readFileSync(join(dir, "dev.env")));
  });

  it("syncs the values into the .env file, reading Secrets Manager in batches", async () => {
    emu.resetCalls();
    const { code, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    const env = readFileSync(join(dir, "dev.env"), "utf8");
    assert.match(env, /^AIRFLOW_CONN_WAREHOUSE_DB=/m);
    assert.ok(env.includes(DB_PASSWORD));
    assert.ok(env.includes(API_KEY), "the alias JSON (user/key) became login/password");
    assert.match(env, /^AIRFLOW_VAR_ENVIRONMENT='?production'?$/m, "Secrets Manager (listed first) wins over SSM");
    assert.ok(env.includes(SSM_TOKEN), "the SecureString was decrypted");
    assert.equal(emu.calls("GetSecretValue"), 0, "no per-secret reads on a full reconciliation");
    assert.ok(emu.calls("BatchGetSecretValue") >= 1);
  });

  it("changes nothing on a second sync", async () => {
    const { code, stdout, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    assert.ok(Object.values(actions(JSON.parse(stdout) as CliRunReport)).every((x) => x === "unchanged"));
  });

  it("picks up a rotation, and event parse maps the emitted event to the key and the Deployment", async () => {
    emu.clearEvents();
    const client = sm();
    await client.send(
      new PutSecretValueCommand({
        SecretId: "airflow/connections/warehouse_db",
        SecretString: `postgres://etl:${DB_ROTATED}@warehouse.internal:5432/dwh`,
      }),
    );
    client.destroy();
    const label = emu.events.find((e) => e["detail-type"] === "Secret Label Updated");
    assert.ok(label, "the rotation emitted Secret Label Updated");
    const parsed = await afsync(["event", "parse", "-"], JSON.stringify(label));
    assert.equal(parsed.code, 0, parsed.stderr);
    const [row] = JSON.parse(parsed.stdout) as { action: string; keys?: string[]; deployments?: string[] }[];
    assert.deepEqual([row?.action, row?.keys, row?.deployments], ["upsert", ["conn:warehouse_db"], ["dev"]]);
    const { code, stdout, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    assert.equal(actions(JSON.parse(stdout) as CliRunReport)["conn:warehouse_db"], "update");
    assert.ok(readFileSync(join(dir, "dev.env"), "utf8").includes(DB_ROTATED));
  });

  it("explains which source wins a key both sources hold", async () => {
    const { code, stdout, stderr } = await afsync(["explain", "var:environment", "--json"]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.includes("aws-prod") && stdout.includes("aws-params"), stdout);
  });

  it("deletes a key whose secret was deleted (deletion: delete)", async () => {
    const client = sm();
    await client.send(new DeleteSecretCommand({ SecretId: "airflow/connections/orders_api", RecoveryWindowInDays: 7 }));
    client.destroy();
    const { code, stdout, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    assert.equal(actions(JSON.parse(stdout) as CliRunReport)["conn:orders_api"], "delete");
    assert.ok(!readFileSync(join(dir, "dev.env"), "utf8").includes("AIRFLOW_CONN_ORDERS_API"));
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, SENTINELS);
  });
});
