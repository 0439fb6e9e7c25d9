/**
 * `afsync rollback` end to end through the binary, on every provider that keeps versions (each on
 * its emulator, rotated through its own API) and on local files, which keep none. The story per
 * provider: a good value is synced, a bad rotation is synced, the operator rolls back to the good
 * version (a new history entry with trigger "rollback"), the next reconciliation keeps it (the
 * pin), and a fixed rotation at the provider ends the pin and is applied.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { CliRunReport } from "@afsync/testing/CliRunReport";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";

interface HistoryEntry {
  key: string;
  action: string;
  version?: string;
  hash?: string;
  trigger: string;
}

/** One provider under test: how afsync reaches it, and how the operator rotates the token there. */
interface Provider {
  readonly name: string;
  readonly sourceYaml: string[];
  readonly env: Record<string, string | undefined>;
  rotate(value: string): Promise<void>;
  close(): Promise<void>;
}

const outputs: string[] = [];

function project(provider: Provider): {
  dir: string;
  afsync: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
} {
  const dir = mkdtempSync(join(tmpdir(), `afsync-rollback-${provider.name}-`));
  writeFileSync(
    join(dir, "afsync.yaml"),
    [
      "sources:",
      "  vault:",
      ...provider.sourceYaml.map((l) => `    ${l}`),
      "deployments:",
      "  dev:",
      "    target: { type: env-file, path: dev.env }",
      "    sources: [vault]",
      "state: { type: sqlite, path: state.db }",
      "",
    ].join("\n"),
  );
  return {
    dir,
    afsync: async (...args) => {
      const run = await runAfsyncBinary([...args, "--config", join(dir, "afsync.yaml")], { env: provider.env });
      outputs.push(run.stdout, run.stderr);
      return { ...run, code: run.code ?? 1 };
    },
  };
}

/** The same rollback story over each provider; `tokens` are the sentinel values it rotates through. */
function rollbackStory(name: string, start: (tokens: readonly string[]) => Promise<Provider>, options: { previousLabel?: string } = {}) {
  const tokens = [`${name}-good-token-v1-9c1e`, `${name}-bad-token-v2-4f0a`, `${name}-fixed-token-v3-77d2`];
  describe(`afsync rollback on ${name}`, () => {
    let provider: Provider;
    let p: ReturnType<typeof project>;
    const envFile = () => readFileSync(join(p.dir, "dev.env"), "utf8");
    const history = async () => {
      const run = await p.afsync("history", "var:api_token", "--json");
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { entries: HistoryEntry[] }).entries;
    };

    before(async () => {
      provider = await start(tokens);
      p = project(provider);
    });
    after(async () => {
      await provider?.close();
      rmSync(p.dir, { recursive: true, force: true });
    });

    it("rolls a bad rotation back to the good version through plan and apply, and keeps it there", async () => {
      assert.equal((await p.afsync("sync")).code, 0);
      await provider.rotate(tokens[1] ?? "");
      const synced = await p.afsync("sync");
      assert.equal(synced.code, 0, synced.stderr);
      assert.ok(envFile().includes(tokens[1] ?? ""));
      const [good] = await history();
      assert.ok(good?.version !== undefined, "the history names the version the good value came from");
      const to = options.previousLabel ?? good.version;

      const dry = await p.afsync("rollback", "var:api_token", "--to", to, "--dry-run", "--json");
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal((JSON.parse(dry.stdout) as CliRunReport).mode, "plan");
      assert.ok(envFile().includes(tokens[1] ?? ""), "a dry run writes nothing");

      const rolled = await p.afsync("rollback", "var:api_token", "--to", to, "--json");
      assert.equal(rolled.code, 0, rolled.stderr);
      const change = (JSON.parse(rolled.stdout) as CliRunReport).deployments[0]?.changes[0];
      assert.equal(change?.action, "update");
      assert.ok(envFile().includes(tokens[0] ?? ""), "the good value is back");

      const again = await p.afsync("sync", "--json");
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(
        (JSON.parse(again.stdout) as CliRunReport).deployments[0]?.changes.map((c) => c.action),
        ["unchanged"],
        "the next reconciliation does not undo the rollback",
      );
      assert.ok(envFile().includes(tokens[0] ?? ""));

      const entries = await history();
      const last = entries.at(-1);
      assert.deepEqual([last?.action, last?.trigger], ["update", "rollback"]);
      assert.equal(last?.hash, good.hash, "the rollback re-applied the good value (same keyed hash)");
    });

    it("ends the pin when the provider gets a new version, and applies that", async () => {
      await provider.rotate(tokens[2] ?? "");
      const synced = await p.afsync("sync");
      assert.equal(synced.code, 0, synced.stderr);
      assert.ok(envFile().includes(tokens[2] ?? ""));
    });

    it("fails plainly on a version the provider does not hold, changing nothing", async () => {
      const missing = await p.afsync("rollback", "var:api_token", "--to", "999");
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /holds no version '999'|is not an? /);
      assert.ok(envFile().includes(tokens[2] ?? ""));
    });

    it("never printed a token", () => {
      assertNoSecretLeak(outputs, tokens);
    });
  });
}

const AWS_ENV = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake", AWS_MAX_ATTEMPTS: "2" };

async function awsSecretsManager(tokens: readonly string[]): Promise<Provider> {
  const emu: AwsEmulator = await startAwsEmulator();
  emu.seedSecret({ name: "airflow/variables/api_token", secretString: tokens[0] ?? "" });
  const sm = new SecretsManagerClient({
    endpoint: emu.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
  });
  return {
    name: "aws-secrets-manager",
    sourceYaml: ["type: aws-secrets-manager", "region_name: us-east-1", "variables_prefix: airflow/variables"],
    env: { ...AWS_ENV, AWS_ENDPOINT_URL: emu.url },
    rotate: async (value) => {
      await sm.send(new PutSecretValueCommand({ SecretId: "airflow/variables/api_token", SecretString: value }));
    },
    close: async () => {
      sm.destroy();
      await emu.close();
    },
  };
}

async function awsSsm(tokens: readonly string[]): Promise<Provider> {
  const emu: AwsEmulator = await startAwsEmulator();
  emu.seedParameter({ name: "/airflow/variables/api_token", value: tokens[0] ?? "", type: "SecureString" });
  const ssm = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });
  return {
    name: "aws-ssm",
    sourceYaml: ["type: aws-ssm", "region_name: us-east-1", "variables_prefix: /airflow/variables"],
    env: { ...AWS_ENV, AWS_ENDPOINT_URL: emu.url },
    rotate: async (value) => {
      await ssm.send(
        new PutParameterCommand({ Name: "/airflow/variables/api_token", Value: value, Type: "SecureString", Overwrite: true }),
      );
    },
    close: async () => {
      ssm.destroy();
      await emu.close();
    },
  };
}

async function gcpSecretManager(tokens: readonly string[]): Promise<Provider> {
  const emu: GcpEmulator = await startGcpEmulator({ projectId: "afsync-rollback" });
  emu.seedSecret({ secretId: "airflow-variables-api_token", versions: [tokens[0] ?? ""] });
  const dir = mkdtempSync(join(tmpdir(), "afsync-rollback-gcp-adc-"));
  writeFileSync(
    join(dir, "service-account.json"),
    JSON.stringify({
      type: "service_account",
      project_id: emu.project.id,
      client_email: "afsync@afsync-rollback.iam.gserviceaccount.com",
      private_key: "x",
    }),
  );
  const admin = new SecretManagerServiceClient({
    apiEndpoint: "127.0.0.1",
    port: emu.port,
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
  return {
    name: "gcp-secret-manager",
    sourceYaml: ["type: gcp-secret-manager", `api_endpoint: "${emu.endpoint}"`, "variables_prefix: airflow-variables"],
    env: { GOOGLE_APPLICATION_CREDENTIALS: join(dir, "service-account.json"), GOOGLE_CLOUD_PROJECT: undefined, GCLOUD_PROJECT: undefined },
    rotate: async (value) => {
      await admin.addSecretVersion({
        parent: `projects/${emu.project.id}/secrets/airflow-variables-api_token`,
        payload: { data: Buffer.from(value) },
      });
    },
    close: async () => {
      await admin.close();
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function azureKeyVault(tokens: readonly string[]): Promise<Provider> {
  const emu: KeyVaultEmulator = await startKeyVaultEmulator();
  emu.seedSecret("airflow-variables-api-token", { value: tokens[0] ?? "" });
  const dir = mkdtempSync(join(tmpdir(), "afsync-rollback-az-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(dir, "vault-ca.pem"), emu.ca);
  // `az account get-access-token` as DefaultAzureCredential runs it after `az login` (see azure-key-vault.test.ts).
  writeFileSync(
    join(bin, "az"),
    `#!/bin/sh\nprintf '%s' '{"accessToken":"${emu.token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}'\n`,
  );
  chmodSync(join(bin, "az"), 0o755);
  return {
    name: "azure-key-vault",
    sourceYaml: ["type: azure-key-vault", `vault_url: ${emu.url}`, "keys: { airflow-variables-api-token: api_token }"],
    env: {
      PATH: `${bin}${delimiter}${process.env.PATH ?? ""}`,
      NODE_EXTRA_CA_CERTS: join(dir, "vault-ca.pem"),
      AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
    },
    rotate: async (value) => {
      emu.seedSecret("airflow-variables-api-token", { value });
    },
    close: async () => {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function hashicorpVault(tokens: readonly string[]): Promise<Provider> {
  const emu: VaultEmulator = await startVaultEmulator();
  emu.seed("secret/airflow/variables/api_token", { value: tokens[0] ?? "" });
  return {
    name: "vault-kv-v2",
    sourceYaml: ["type: vault", "mount_point: secret", "variables_path: airflow/variables"],
    env: { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken, VAULT_NAMESPACE: undefined },
    rotate: async (value) => {
      emu.write("secret/airflow/variables/api_token", { value });
    },
    close: () => emu.close(),
  };
}

rollbackStory("aws-secrets-manager", awsSecretsManager, { previousLabel: "AWSPREVIOUS" });
rollbackStory("aws-ssm", awsSsm);
rollbackStory("gcp-secret-manager", gcpSecretManager);
rollbackStory("azure-key-vault", azureKeyVault);
rollbackStory("vault-kv-v2", hashicorpVault);

describe("afsync rollback on local files", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "afsync-rollback-local-"));
    writeFileSync(join(dir, "variables.yaml"), "api_token: local-token-5e2b\n");
    writeFileSync(
      join(dir, "afsync.yaml"),
      [
        "sources:",
        "  team-files:",
        "    type: local",
        "    variables_file_path: variables.yaml",
        "deployments:",
        "  dev:",
        "    target: { type: env-file, path: dev.env }",
        "    sources: [team-files]",
        "state: { type: sqlite, path: state.db }",
        "",
      ].join("\n"),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("says plainly that files keep no versions, with a non-zero exit, as JSON too", async () => {
    const run = (...args: string[]) => runAfsyncBinary([...args, "--config", join(dir, "afsync.yaml")]);
    assert.equal((await run("sync")).code, 0);
    const text = await run("rollback", "var:api_token", "--to", "1");
    assert.equal(text.code, 1);
    assert.match(text.stderr, /source team-files \(local\) keeps no versions/);
    const json = await run("rollback", "var:api_token", "--to", "1", "--json");
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as CliRunReport;
    assert.match(report.deployments[0]?.error ?? "", /keeps no versions/);
    assert.match(readFileSync(join(dir, "dev.env"), "utf8"), /local-token-5e2b/);
  });
});

describe("afsync rollback without SQLite state", () => {
  it("refuses, since nothing would hold the rollback past this run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-rollback-memory-"));
    try {
      writeFileSync(join(dir, "variables.yaml"), "api_token: memory-token-1d4c\n");
      writeFileSync(
        join(dir, "afsync.yaml"),
        "sources:\n  team-files: { type: local, variables_file_path: variables.yaml }\ndeployments:\n  dev:\n    target: { type: env-file, path: dev.env }\n    sources: [team-files]\nstate: { type: memory }\n",
      );
      const run = await runAfsyncBinary(["rollback", "var:api_token", "--to", "1", "--json", "--config", join(dir, "afsync.yaml")]);
      assert.equal(run.code, 1);
      const { error } = JSON.parse(run.stdout) as { error: { command: string; code: string; message: string } };
      assert.deepEqual([error.command, error.code], ["rollback", "INVALID_CONFIG"]);
      assert.match(error.message, /state\.type: is memory: a rollback is held by a pin/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
