import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";

const SENTINELS = { warehouse: "s3ntinel-kv-warehouse", myDb: "s3ntinel-kv-mydb", envName: "s3ntinel-kv-envname" };

/**
 * `afsync plan/sync/explain` with an `azure-key-vault` source, through the real binary, against
 * the Key Vault emulator. Credentials come the way they do on a laptop after `az login`:
 * DefaultAzureCredential runs `az account get-access-token`. The Azure CLI cannot be installed
 * here, so a stand-in `az` on PATH prints the token the emulator accepts, and
 * AZURE_TOKEN_CREDENTIALS keeps the chain from probing the managed-identity endpoint (not loopback).
 */
describe("afsync with an azure-key-vault source (real binary, Key Vault emulator, az login chain)", () => {
  let emu: KeyVaultEmulator;
  let dir: string;
  let env: Record<string, string>;
  const outputs: string[] = [];

  before(async () => {
    emu = await startKeyVaultEmulator();
    emu.seedSecret("airflow-connections-warehouse", { value: `postgres://app:${SENTINELS.warehouse}@db.example.com:5432/wh` });
    emu.seedSecret("airflow-connections-my-db", { value: `mysql://app:${SENTINELS.myDb}@mysql.example.com:3306/x` });
    emu.seedSecret("airflow-variables-env-name", { value: SENTINELS.envName });
    dir = mkdtempSync(join(tmpdir(), "afsync-azure-cli-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(dir, "vault-ca.pem"), emu.ca);
    // Records its arguments, then answers like `az account get-access-token --output json`.
    writeFileSync(
      join(bin, "az"),
      [
        "#!/bin/sh",
        `echo "$@" >> '${join(dir, "az-calls.log")}'`,
        `printf '%s' '{"accessToken":"${emu.token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"subscription":"00000000-0000-0000-0000-000000000000","tenant":"00000000-0000-0000-0000-000000000000","tokenType":"Bearer"}'`,
        "",
      ].join("\n"),
    );
    chmodSync(join(bin, "az"), 0o755);
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  kv:",
        "    type: azure-key-vault",
        `    vault_url: ${emu.url}`,
        "    keys: { airflow-variables-env-name: env_name }",
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [kv]",
        "    adopt: true",
        "state: { type: memory }",
        "",
      ].join("\n"),
    );
    // The Deployment already holds my_db: that decides the spelling of airflow-connections-my-db.
    writeFileSync(join(dir, "dev.env"), "AIRFLOW_CONN_MY_DB=mysql://old@mysql.example.com:3306/x\n");
    env = {
      PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
      NODE_EXTRA_CA_CERTS: join(dir, "vault-ca.pem"),
      AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
    };
  });

  after(async () => {
    assertNoSecretLeak(outputs, Object.values(SENTINELS));
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function afsync(...args: string[]) {
    const run = await runAfsyncBinary([...args, "--config", join(dir, "afsync.yaml")], { env });
    outputs.push(run.stdout, run.stderr);
    return run;
  }

  it("plans every key, spelling lossy names by the explicit map and by the keys the Deployment holds", async () => {
    const run = await afsync("plan", "--json");
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { deployments: { changes: { key: string; action: string }[] }[] };
    const actions = Object.fromEntries((report.deployments[0]?.changes ?? []).map((c) => [c.key, c.action]));
    assert.deepEqual(actions, { "conn:warehouse": "create", "conn:my_db": "update", "var:env_name": "create" });
    assert.match(readFileSync(join(dir, "az-calls.log"), "utf8"), /account get-access-token .*--resource https:\/\/vault\.azure\.net/);
    assert.ok(emu.challenges >= 1, "the vault's 401 challenge started the token flow");
  });

  it("syncs the values into the target in Airflow's env-var form, then explains a key without its value", async () => {
    const sync = await afsync("sync");
    assert.equal(sync.code, 0, sync.stderr);
    const written = readFileSync(join(dir, "dev.env"), "utf8");
    outputs.push(written.replaceAll(SENTINELS.warehouse, "").replaceAll(SENTINELS.myDb, "").replaceAll(SENTINELS.envName, ""));
    assert.match(written, /^AIRFLOW_CONN_WAREHOUSE=/m);
    assert.ok(written.includes(SENTINELS.warehouse), "the value reached the target");
    assert.match(written, /^AIRFLOW_VAR_ENV_NAME=/m);
    const explain = await afsync("explain", "conn:warehouse", "--deployment", "dev");
    assert.equal(explain.code, 0, explain.stderr);
    assert.match(explain.stdout, /kv/);
  });

  it("refuses a client secret written in the config, naming the option and what to do", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      [
        "sources:",
        "  kv:",
        "    type: azure-key-vault",
        `    vault_url: ${emu.url}`,
        "    client_secret: s3ntinel-inline",
        "deployments:",
        "  dev: { target: { type: env-file, path: bad.env }, sources: [kv] }",
        "",
      ].join("\n"),
    );
    const run = await runAfsyncBinary(["plan", "--config", bad], { env });
    outputs.push(run.stdout, run.stderr);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /client_secret.*client_secret_env/);
    assert.doesNotMatch(run.stderr + run.stdout, /s3ntinel-inline/);
  });
});
