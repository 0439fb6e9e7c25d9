/**
 * Metadata-first full reconciliation end to end through the `afsync` binary: two Deployments
 * (two `.env` targets) read one source; a reconciliation with nothing changed makes only the
 * listing calls and reads no secret value (counted by the emulators), one changed secret is the
 * one value read, a deleted secret is found by the listing, and a no-op writes nothing.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";
import { DeleteSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

const N = 25;

function config(source: string[]): string {
  return [
    "sources:",
    ...source,
    "deployments:",
    "  dev: { target: { type: env-file, path: dev.env }, sources: [src], deletion: delete }",
    "  prod: { target: { type: env-file, path: prod.env }, sources: [src], deletion: delete }",
    "state: { type: sqlite, path: state.db }",
    "",
  ].join("\n");
}

/** Every Deployment ok; the actions other than `unchanged`, per Deployment, and the target writes. */
function outcome(stdout: string): { changed: Record<string, string[]>; writes: number } {
  const report = JSON.parse(stdout) as CliRunReport;
  const changed: Record<string, string[]> = {};
  let writes = 0;
  for (const d of report.deployments) {
    assert.equal(d.status, "ok", d.error);
    changed[d.id] = d.changes.filter((c) => c.action !== "unchanged").map((c) => `${c.action} ${c.key}`);
    writes += d.writes;
  }
  return { changed, writes };
}

describe("metadata-first reconciliation: Secrets Manager", () => {
  let dir: string;
  let emu: AwsEmulator;
  const sm = () =>
    new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });
  const sync = async () => {
    const run = await runAfsyncBinary(["sync", "--json", "--config", join(dir, "afsync.yaml")], {
      env: { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" },
    });
    assert.equal(run.code, 0, run.stderr);
    return outcome(run.stdout);
  };

  before(async () => {
    emu = await startAwsEmulator();
    for (let i = 0; i < N; i++) emu.seedSecret({ name: `airflow/variables/v${i}`, secretString: `value-${i}` });
    dir = mkdtempSync(join(tmpdir(), "afsync-metadata-aws-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      config([
        "  src:",
        "    type: aws-secrets-manager",
        "    connections_prefix: airflow/connections",
        "    variables_prefix: airflow/variables",
      ]),
    );
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads everything on the first sync with ceil(N/20) filtered batch reads and no listing, once for both Deployments", async () => {
    emu.resetCalls();
    const first = await sync();
    assert.equal(first.changed.dev?.length, N);
    assert.equal(first.changed.prod?.length, N);
    // ceil(25/20) pages under the variables prefix, and one (empty) page under the connections prefix.
    assert.deepEqual(
      [emu.calls("BatchGetSecretValue"), emu.calls("ListSecrets"), emu.calls("GetSecretValue")],
      [Math.ceil(N / 20) + 1, 0, 0],
    );
  });

  it("makes only the listing calls and reads no value when nothing changed, and writes nothing", async () => {
    const before = readFileSync(join(dir, "dev.env"), "utf8");
    emu.resetCalls();
    const noop = await sync();
    assert.deepEqual(noop, { changed: { dev: [], prod: [] }, writes: 0 });
    // Two prefixes, one ListSecrets page each (100 a page): the floor.
    assert.deepEqual([emu.calls("ListSecrets"), emu.calls("BatchGetSecretValue"), emu.calls("GetSecretValue")], [2, 0, 0]);
    assert.equal(readFileSync(join(dir, "dev.env"), "utf8"), before);
  });

  it("reads just the changed secret, and finds a deleted one from the listing", async () => {
    await sm().send(new PutSecretValueCommand({ SecretId: "airflow/variables/v3", SecretString: "value-3-rotated" }));
    emu.resetCalls();
    const changed = await sync();
    assert.deepEqual(changed.changed, { dev: ["update var:v3"], prod: ["update var:v3"] });
    assert.deepEqual([emu.calls("ListSecrets"), emu.calls("BatchGetSecretValue")], [2, 1]);
    assert.match(readFileSync(join(dir, "prod.env"), "utf8"), /value-3-rotated/);

    await sm().send(new DeleteSecretCommand({ SecretId: "airflow/variables/v7", ForceDeleteWithoutRecovery: true }));
    emu.resetCalls();
    const deleted = await sync();
    assert.deepEqual(deleted.changed, { dev: ["delete var:v7"], prod: ["delete var:v7"] });
    assert.deepEqual([emu.calls("ListSecrets"), emu.calls("BatchGetSecretValue")], [2, 0]);
    assert.doesNotMatch(readFileSync(join(dir, "dev.env"), "utf8"), /AIRFLOW_VAR_V7=/);
  });

  it("re-reads a key whose target copy was edited outside afsync, and restores it", async () => {
    const path = join(dir, "dev.env");
    writeFileSync(path, readFileSync(path, "utf8").replace("value-5", "edited-by-hand"));
    emu.resetCalls();
    const restored = await sync();
    assert.deepEqual(restored.changed, { dev: ["update var:v5"], prod: [] });
    assert.equal(emu.calls("BatchGetSecretValue"), 1);
    assert.match(readFileSync(path, "utf8"), /value-5/);
  });
});

describe("metadata-first reconciliation: SSM Parameter Store", () => {
  let dir: string;
  let emu: AwsEmulator;
  const ssm = () =>
    new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });
  const sync = async () => {
    const run = await runAfsyncBinary(["sync", "--json", "--config", join(dir, "afsync.yaml")], {
      env: { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" },
    });
    assert.equal(run.code, 0, run.stderr);
    return outcome(run.stdout);
  };

  before(async () => {
    emu = await startAwsEmulator();
    for (let i = 0; i < N; i++) emu.seedParameter({ name: `/airflow/variables/v${i}`, value: `value-${i}`, type: "SecureString" });
    dir = mkdtempSync(join(tmpdir(), "afsync-metadata-ssm-"));
    writeFileSync(join(dir, "afsync.yaml"), config(["  src:", "    type: aws-ssm", "    region_name: us-east-1"]));
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("walks the prefixes on the first sync, then lists and reads no value when nothing changed", async () => {
    await sync();
    emu.resetCalls();
    const noop = await sync();
    assert.deepEqual(noop, { changed: { dev: [], prod: [] }, writes: 0 });
    // One DescribeParameters page (50 a page) per prefix: the floor.
    assert.deepEqual([emu.calls("DescribeParameters"), emu.calls("GetParameters"), emu.calls("GetParametersByPath")], [2, 0, 0]);
  });

  it("reads just the changed parameter, and finds deleted and recreated ones", async () => {
    await ssm().send(
      new PutParameterCommand({ Name: "/airflow/variables/v3", Value: "value-3-new", Type: "SecureString", Overwrite: true }),
    );
    emu.resetCalls();
    const changed = await sync();
    assert.deepEqual(changed.changed, { dev: ["update var:v3"], prod: ["update var:v3"] });
    assert.deepEqual([emu.calls("DescribeParameters"), emu.calls("GetParameters")], [2, 1]);

    await ssm().send(new DeleteParameterCommand({ Name: "/airflow/variables/v7" }));
    await ssm().send(new DeleteParameterCommand({ Name: "/airflow/variables/v0" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Created again: its Version is 1 again, as the one afsync applied was.
    await ssm().send(new PutParameterCommand({ Name: "/airflow/variables/v0", Value: "value-0-recreated", Type: "SecureString" }));
    emu.resetCalls();
    const deleted = await sync();
    assert.deepEqual(deleted.changed, { dev: ["update var:v0", "delete var:v7"], prod: ["update var:v0", "delete var:v7"] });
    assert.equal(emu.calls("GetParameters"), 1);
    assert.match(readFileSync(join(dir, "dev.env"), "utf8"), /value-0-recreated/);
  });
});

describe("metadata-first reconciliation: Vault KV v2", () => {
  let dir: string;
  let emu: VaultEmulator;
  const sync = async () => {
    const run = await runAfsyncBinary(["sync", "--json", "--config", join(dir, "afsync.yaml")], {
      env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_NAMESPACE: undefined },
    });
    assert.equal(run.code, 0, run.stderr);
    return outcome(run.stdout);
  };

  before(async () => {
    emu = await startVaultEmulator();
    for (let i = 0; i < N; i++) emu.seed(`secret/airflow/variables/v${i}`, { value: `value-${i}` });
    dir = mkdtempSync(join(tmpdir(), "afsync-metadata-vault-"));
    writeFileSync(
      join(dir, "afsync.yaml"),
      config([
        "  src:",
        "    type: vault",
        "    mount_point: secret",
        "    connections_path: null",
        "    variables_path: airflow/variables",
      ]),
    );
  });
  after(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads every value once on the first sync, for both Deployments", async () => {
    emu.resetCalls();
    const first = await sync();
    assert.equal(first.changed.dev?.length, N);
    assert.equal(emu.calls("kv-v2/read"), N);
  });

  it("reads no secret value when nothing changed (metadata only), and writes nothing", async () => {
    emu.resetCalls();
    const noop = await sync();
    assert.deepEqual(noop, { changed: { dev: [], prod: [] }, writes: 0 });
    assert.equal(emu.calls("kv-v2/read"), 0, "no secret value read");
    assert.equal(emu.calls("kv-v2/metadata-read"), N, "one metadata read per secret: Vault's floor");
  });

  it("reads exactly the changed value, and a metadata delete removes the key", async () => {
    emu.write("secret/airflow/variables/v2", { value: "value-2-new" });
    emu.resetCalls();
    const changed = await sync();
    assert.deepEqual(changed.changed, { dev: ["update var:v2"], prod: ["update var:v2"] });
    assert.equal(emu.calls("kv-v2/read"), 1);

    const res = await fetch(`${emu.url}/v1/secret/metadata/airflow/variables/v9`, {
      method: "DELETE",
      headers: { "X-Vault-Token": emu.rootToken },
    });
    assert.ok(res.ok);
    emu.resetCalls();
    const deleted = await sync();
    assert.deepEqual(deleted.changed, { dev: ["delete var:v9"], prod: ["delete var:v9"] });
    assert.equal(emu.calls("kv-v2/read"), 0);
  });

  it("does not mistake a secret deleted and written again (its version back at 1) for the applied one", async () => {
    await fetch(`${emu.url}/v1/secret/metadata/airflow/variables/v0`, { method: "DELETE", headers: { "X-Vault-Token": emu.rootToken } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    emu.seed("secret/airflow/variables/v0", { value: "value-0-recreated" });
    emu.resetCalls();
    const recreated = await sync();
    assert.deepEqual(recreated.changed, { dev: ["update var:v0"], prod: ["update var:v0"] });
    assert.equal(emu.calls("kv-v2/read"), 1);
  });
});
