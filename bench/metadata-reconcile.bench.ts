/**
 * Metadata-first full reconciliation per provider, through the real engine and the real SDK /
 * HTTP clients against the emulators: provider calls and secret values read for a first read, a
 * no-op reconciliation and one with 1% of the secrets changed, at N = 1,000 and 10,000, against
 * each provider's floor. `METADATA_BENCH_SIZES=1000` limits the sizes.
 */
import { performance } from "node:perf_hooks";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "@afsync/aws/awsSourceFactory";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import type { ListedVersion, SecretSource, SourceRead } from "@afsync/core/ports/SecretSource";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startVaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemoryStateStore } from "@afsync/testing";
import { createVaultSource } from "@afsync/vault/vaultSourceFactory";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

const SIZES = (process.env.METADATA_BENCH_SIZES ?? "1000,10000").split(",").map(Number);
const AWS_CREDS = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };

/** The real source, with the values it hands out counted (the emulators count calls, not values). */
class CountingSource implements SecretSource {
  valuesRead = 0;
  readonly id: string;
  readonly provider: string;
  readonly capabilities: SecretSource["capabilities"];
  readonly listVersions?: () => Promise<ListedVersion[]>;
  constructor(private readonly inner: SecretSource) {
    this.id = inner.id;
    this.provider = inner.provider;
    this.capabilities = inner.capabilities;
    if (inner.listVersions !== undefined) this.listVersions = () => inner.listVersions?.() ?? Promise.resolve([]);
  }
  count(reads: SourceRead[]): SourceRead[] {
    this.valuesRead += reads.filter((r) => r.status === "found" || r.status === "invalid").length;
    return reads;
  }
  async readAll() {
    return this.count(await this.inner.readAll());
  }
  async read(keys: Parameters<SecretSource["read"]>[0], versions?: ReadonlyMap<string, string>) {
    return this.count(await this.inner.read(keys, versions));
  }
  secretIdFor(key: Parameters<SecretSource["secretIdFor"]>[0]) {
    return this.inner.secretIdFor(key);
  }
  keysFor(secretId: string) {
    return this.inner.keysFor(secretId);
  }
  close() {
    return this.inner.close?.() ?? Promise.resolve();
  }
}

interface Provider {
  readonly name: string;
  seed(n: number): Promise<void> | void;
  change(i: number): Promise<void>;
  source(): SecretSource;
  calls(): Record<string, number>;
  resetCalls(): void;
  floor(n: number, changed: number): { firstRead: number; noop: number; changed: number };
  close(): Promise<void>;
}

async function scenario(provider: Provider, n: number) {
  await provider.seed(n);
  const source = new CountingSource(provider.source());
  const binding: DeploymentBinding = {
    id: "bench",
    target: new InMemoryDeploymentTarget(),
    sources: [source],
    deletion: "delete",
    adopt: false,
    include: ["*"],
    exclude: [],
  };
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: { log() {} },
    state: new InMemoryStateStore(),
  });
  const run = async () => {
    provider.resetCalls();
    source.valuesRead = 0;
    const start = performance.now();
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    const ms = Math.round(performance.now() - start);
    if (report.summary.failed > 0) throw new Error(`${provider.name}: ${report.deployments[0]?.error}`);
    const calls = provider.calls();
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    return { calls: total, byOperation: calls, valuesRead: source.valuesRead, writes: report.summary.writes, ms };
  };
  const changedCount = Math.max(1, Math.round(n / 100));
  const firstRead = await run();
  const noop = await run();
  for (let i = 0; i < changedCount; i++) await provider.change(i);
  const changed = await run();
  await source.close();
  const floor = provider.floor(n, changedCount);
  return {
    n,
    changedKeys: changedCount,
    firstRead: { ...firstRead, floor: floor.firstRead },
    noop: { ...noop, floor: floor.noop },
    onePercentChanged: { ...changed, floor: floor.changed },
  };
}

function nonZero(calls: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(calls).filter(([, v]) => v > 0));
}

async function awsProviders(): Promise<Provider[]> {
  const providers: Provider[] = [];
  for (const kind of ["secrets-manager", "ssm"] as const) {
    const emu = await startAwsEmulator();
    const env = { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
    const options = { variables_prefix: null };
    const sm = new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials: AWS_CREDS });
    const ssm = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: AWS_CREDS });
    providers.push({
      name: kind,
      seed: (n) => {
        for (let i = 0; i < n; i++) {
          const value = `postgres://user:pw${i}@db${i}.internal:5432/app`;
          if (kind === "ssm") emu.seedParameter({ name: `/airflow/connections/c${i}`, value, type: "SecureString" });
          else emu.seedSecret({ name: `airflow/connections/c${i}`, secretString: value });
        }
      },
      change: async (i) => {
        const value = `postgres://user:rotated${i}@db${i}.internal:5432/app`;
        if (kind === "ssm")
          await ssm.send(
            new PutParameterCommand({ Name: `/airflow/connections/c${i}`, Value: value, Type: "SecureString", Overwrite: true }),
          );
        else await sm.send(new PutSecretValueCommand({ SecretId: `airflow/connections/c${i}`, SecretString: value }));
      },
      source: () =>
        kind === "ssm" ? createAwsSsmSource(options, { id: "bench", env }) : createAwsSecretsManagerSource(options, { id: "bench", env }),
      calls: () => nonZero(emu.calls()),
      resetCalls: () => emu.resetCalls(),
      floor: (n, changed) =>
        kind === "ssm"
          ? { firstRead: Math.ceil(n / 10), noop: Math.ceil(n / 50), changed: Math.ceil(n / 50) + Math.ceil(changed / 10) }
          : { firstRead: Math.ceil(n / 20), noop: Math.ceil(n / 100), changed: Math.ceil(n / 100) + Math.ceil(changed / 20) },
      close: async () => {
        sm.destroy();
        ssm.destroy();
        await emu.close();
      },
    });
  }
  return providers;
}

async function vaultProvider(): Promise<Provider> {
  const emu = await startVaultEmulator();
  const env = { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken };
  return {
    name: "vault-kv2",
    seed: (n) => {
      for (let i = 0; i < n; i++)
        emu.seed(`secret/airflow/connections/c${i}`, { conn_uri: `postgres://user:pw${i}@db${i}.internal:5432/app` });
    },
    change: async (i) => {
      emu.write(`secret/airflow/connections/c${i}`, { conn_uri: `postgres://user:rotated${i}@db${i}.internal:5432/app` });
    },
    source: () => createVaultSource({ connections_path: "airflow/connections", variables_path: null }, { id: "bench", env }),
    calls: () => nonZero(emu.calls()),
    resetCalls: () => emu.resetCalls(),
    // Vault has no batch read: one LIST for the folder, then one GET per secret (data or metadata).
    floor: (n, changed) => ({ firstRead: 1 + n, noop: 1 + n, changed: 1 + n + changed }),
    close: () => emu.close(),
  };
}

const results: Record<string, unknown[]> = {};
for (const n of SIZES) {
  for (const provider of [...(await awsProviders()), await vaultProvider()]) {
    process.stderr.write(`metadata-reconcile: ${provider.name} N=${n}…\n`);
    const result = await scenario(provider, n);
    results[provider.name] = [...(results[provider.name] ?? []), result];
    await provider.close();
  }
}
process.stdout.write(
  `${JSON.stringify({
    note: "Key Vault and GCP Secret Manager do not list versions (see docs/sources); their floor stays the listing plus one read per secret.",
    providers: results,
  })}\n`,
);
