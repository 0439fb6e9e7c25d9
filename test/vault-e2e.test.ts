/**
 * The Vault source end to end through the `afsync` binary: KV v2 on the Vault emulator, reached
 * with VAULT_ADDR and VAULT_TOKEN exactly as the `vault` CLI is, synced into a Deployment's
 * `.env` file. Changes are made over Vault's HTTP API, and the events the emulator emits for them
 * are parsed and mapped back to the keys.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { keyString } from "@afsync/core";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";
import { parseVaultEvent } from "@afsync/vault/events/parseVaultEvent";
import { createVaultSource } from "@afsync/vault/vaultSourceFactory";

const DB_PASSWORD = "vault-e2e-db-Pa55-2b7e";
const DB_ROTATED = "vault-e2e-db-rotated-9c1f";
const API_TOKEN = "vault-e2e-api-token-64d0";
const INLINE_TOKEN = "hvs.vault-e2e-inline-0f3a";
const SENTINELS = [DB_PASSWORD, DB_ROTATED, API_TOKEN, INLINE_TOKEN];

let dir: string;
let emu: VaultEmulator;
const outputs: string[] = [];

function afsync(args: string[], config = "afsync.yaml"): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, config), outputs, {
    env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_NAMESPACE: undefined },
  });
}

function actions(report: CliRunReport): Record<string, string> {
  const d = report.deployments.find((x) => x.id === "dev");
  assert.ok(d, "deployment dev in the report");
  assert.equal(d.status, "ok", d.error);
  return Object.fromEntries(d.changes.map((c) => [c.key, c.action]));
}

const api = (method: string, path: string, body?: unknown) =>
  fetch(`${emu.url}/v1/${path}`, { method, headers: { "X-Vault-Token": emu.rootToken }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe("afsync plan/sync/explain with a vault source", () => {
  before(async () => {
    emu = await startVaultEmulator();
    emu.seed("secret/airflow/connections/warehouse_db", { conn_uri: `postgres://etl:${DB_PASSWORD}@warehouse.internal:5432/dwh` });
    emu.seed("secret/airflow/connections/orders_api", { conn_type: "http", host: "api.example.com", password: API_TOKEN });
    emu.seed("secret/airflow/variables/environment", { value: "production" });
    emu.seed("secret/other/app", { value: "not for airflow" });
    dir = mkdtempSync(join(tmpdir(), "afsync-vault-e2e-"));
    const config = (extra: string[]) =>
      [
        "sources:",
        "  vault-prod:",
        "    type: vault",
        "    mount_point: secret",
        "    connections_path: airflow/connections",
        "    variables_path: airflow/variables",
        ...extra,
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [vault-prod]",
        "    deletion: delete",
        "state: { type: sqlite, path: state.db }",
        "",
      ].join("\n");
    writeFileSync(join(dir, "afsync.yaml"), config([]));
    writeFileSync(join(dir, "inline.yaml"), config([`    token: ${INLINE_TOKEN}`]));
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("plans a create for every key under the paths, writing nothing", async () => {
    const { code, stdout, stderr } = await afsync(["plan", "--json"]);
    assert.equal(code, 0, stderr);
    const a = actions(JSON.parse(stdout) as CliRunReport);
    assert.deepEqual(Object.keys(a).sort(), ["conn:orders_api", "conn:warehouse_db", "var:environment"]);
    assert.ok(Object.values(a).every((x) => x === "create"));
    assert.throws(() => readFileSync(join(dir, "dev.env")));
  });

  it("syncs the values (the conn_uri form and the dict of fields) into the .env file", async () => {
    const { code, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    const env = readFileSync(join(dir, "dev.env"), "utf8");
    assert.match(env, /^AIRFLOW_CONN_WAREHOUSE_DB=/m);
    assert.ok(env.includes(DB_PASSWORD) && env.includes(API_TOKEN));
    assert.match(env, /^AIRFLOW_VAR_ENVIRONMENT='?production'?$/m);
  });

  it("picks up a new version, whose event maps back to the key", async () => {
    emu.clearEvents();
    await api("POST", "secret/data/airflow/connections/warehouse_db", {
      data: { conn_uri: `postgres://etl:${DB_ROTATED}@warehouse.internal:5432/dwh` },
    });
    const [hint] = parseVaultEvent(emu.events[0]);
    const source = createVaultSource(
      { connections_path: "airflow/connections", variables_path: "airflow/variables" },
      { id: "vault-prod", env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken } },
    );
    assert.deepEqual(
      [hint?.action, hint?.version, source.keysFor(hint?.secretId ?? "").keys.map(keyString)],
      ["upsert", "2", ["conn:warehouse_db"]],
    );
    const { code, stdout, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    assert.equal(actions(JSON.parse(stdout) as CliRunReport)["conn:warehouse_db"], "update");
    assert.ok(readFileSync(join(dir, "dev.env"), "utf8").includes(DB_ROTATED));
  });

  it("explains where a key comes from", async () => {
    const { code, stdout, stderr } = await afsync(["explain", "conn:warehouse_db", "--json"]);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.includes("vault-prod"), stdout);
  });

  it("removes a key whose metadata was deleted (deletion: delete)", async () => {
    emu.clearEvents();
    await api("DELETE", "secret/metadata/airflow/connections/orders_api");
    assert.equal(parseVaultEvent(emu.events[0])[0]?.action, "delete");
    const { code, stdout, stderr } = await afsync(["sync", "--json"]);
    assert.equal(code, 0, stderr);
    assert.equal(actions(JSON.parse(stdout) as CliRunReport)["conn:orders_api"], "delete");
    assert.ok(!readFileSync(join(dir, "dev.env"), "utf8").includes("AIRFLOW_CONN_ORDERS_API"));
  });

  it("refuses a token written into the config, naming the key and not the value", async () => {
    const { code, stdout, stderr } = await afsync(["plan", "--json"], "inline.yaml");
    assert.notEqual(code, 0);
    assert.match(stdout + stderr, /sources\.vault-prod\.token: credentials are never inline/);
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, SENTINELS);
  });
});
