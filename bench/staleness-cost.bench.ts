/**
 * Staleness and cost against polling (issue 14). For each provider, through the real engine and
 * the real SDK/HTTP/gRPC clients against the emulators (10 ms injected round trip):
 *   - afsync's own lag: a change event's hint run, from the hint to the target holding the value
 *     (median of 10), and the provider calls that costs;
 *   - the calls of a no-op reconciliation at N secrets (the listing floor).
 * From those, a table and a chart of expected and worst staleness after a change, against
 * polling at External Secrets Operator's default refreshInterval (1 h), the Secrets Store CSI
 * driver's rotation poll (2 min) and Airflow's own cached lookups ([secrets] cache_ttl_seconds,
 * 900 s): a poller is stale interval/2 on average and a whole interval at worst. And provider calls
 * per month at a rotation rate, against the same pollers.
 *
 * Event delivery delays are INPUTS, not measurements: the providers publish no latency figure
 * (EventBridge says "best effort" for events from AWS services). Override them with
 * BENCH_DELIVERY_<PROVIDER>_S. Where a provider announces no such change (Key Vault deletions,
 * Vault Community: no events), staleness is the reconciliation interval (serve.reconcile_every,
 * default 15 min). Key Vault is measured through its official client over HTTPS, with the
 * emulator's own CA and token credential.
 *
 * Run: npm run bench -- staleness-cost   (BENCH_SECRETS=1000 BENCH_DEPLOYMENTS=10
 * BENCH_ROTATIONS_PER_SECRET_PER_MONTH=1 BENCH_RECONCILE_MINUTES=15). Writes
 * bench/out/staleness.png and bench/out/calls-per-month.png.
 */
import { performance } from "node:perf_hooks";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "@afsync/aws/awsSourceFactory";
import { createAzureKeyVaultSource } from "@afsync/azure/azureKeyVaultSourceFactory";
import { type AirflowKey, connectionKey } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION, type Trigger } from "@afsync/core/engine/Trigger";
import type { SecretSource } from "@afsync/core/ports/SecretSource";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { type KeyVaultOperation, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { startVaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createGcpSecretManagerSource } from "@afsync/gcp/gcpSourceFactory";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemoryStateStore } from "@afsync/testing";
import { createVaultSource } from "@afsync/vault/vaultSourceFactory";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { SecretClient } from "@azure/keyvault-secrets";
import { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { credentials } from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";
import { writeChart } from "./support/writeChart.ts";

const N = Number(process.env.BENCH_SECRETS ?? 1000);
const DEPLOYMENTS = Number(process.env.BENCH_DEPLOYMENTS ?? 10);
const ROTATIONS = Number(process.env.BENCH_ROTATIONS_PER_SECRET_PER_MONTH ?? 1);
const RECONCILE_S = Number(process.env.BENCH_RECONCILE_MINUTES ?? 15) * 60;
const RTT_MS = 10;
const SAMPLES = 10;
const MONTH_S = 30 * 24 * 3600;
const AWS_CREDS = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };

/** Seconds from the change to the event reaching afsync: assumed, documented as such. */
const DELIVERY_S: Record<string, number> = {
  "secrets-manager": Number(process.env.BENCH_DELIVERY_SECRETS_MANAGER_S ?? 60), // CloudTrail → EventBridge, best effort
  ssm: Number(process.env.BENCH_DELIVERY_SSM_S ?? 5), // "Parameter Store Change" straight to EventBridge
  "gcp-secret-manager": Number(process.env.BENCH_DELIVERY_GCP_S ?? 5), // Pub/Sub notification
  "vault-kv2": Number(process.env.BENCH_DELIVERY_VAULT_S ?? 1), // Enterprise event notifications (WebSocket)
  "azure-key-vault": Number(process.env.BENCH_DELIVERY_AZURE_S ?? 5), // Event Grid
};

interface Provider {
  readonly name: string;
  seed(n: number): void;
  change(i: number, generation: number): Promise<void>;
  secretId(i: number): string;
  source(): SecretSource | Promise<SecretSource>;
  calls(): number;
  resetCalls(): void;
  close(): Promise<void>;
}

const value = (i: number, generation: number) => `postgres://user:g${generation}x${i}@db${i}.internal:5432/app`;

async function awsProviders(): Promise<Provider[]> {
  const out: Provider[] = [];
  for (const kind of ["secrets-manager", "ssm"] as const) {
    const emu = await startAwsEmulator();
    emu.setLatency(RTT_MS);
    const env = { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
    const sm = new SecretsManagerClient({ endpoint: emu.url, region: "us-east-1", credentials: AWS_CREDS });
    const ssm = new SSMClient({ endpoint: emu.url, region: "us-east-1", credentials: AWS_CREDS });
    const name = (i: number) => (kind === "ssm" ? `/airflow/connections/c${i}` : `airflow/connections/c${i}`);
    out.push({
      name: kind,
      seed: (n) => {
        for (let i = 0; i < n; i++) {
          if (kind === "ssm") emu.seedParameter({ name: name(i), value: value(i, 0), type: "SecureString" });
          else emu.seedSecret({ name: name(i), secretString: value(i, 0) });
        }
      },
      change: async (i, g) => {
        if (kind === "ssm")
          await ssm.send(new PutParameterCommand({ Name: name(i), Value: value(i, g), Type: "SecureString", Overwrite: true }));
        else await sm.send(new PutSecretValueCommand({ SecretId: name(i), SecretString: value(i, g) }));
      },
      secretId: name,
      source: () =>
        kind === "ssm"
          ? createAwsSsmSource({ variables_prefix: null }, { id: "bench", env })
          : createAwsSecretsManagerSource({ variables_prefix: null }, { id: "bench", env }),
      calls: () => Object.values(emu.calls()).reduce((a, b) => a + b, 0),
      resetCalls: () => emu.resetCalls(),
      close: async () => {
        sm.destroy();
        ssm.destroy();
        await emu.close();
      },
    });
  }
  return out;
}

async function vaultProvider(): Promise<Provider> {
  const emu = await startVaultEmulator();
  emu.inject({ latencyMs: RTT_MS, times: Number.POSITIVE_INFINITY });
  const env = { VAULT_ADDR: emu.url, VAULT_TOKEN: emu.rootToken };
  return {
    name: "vault-kv2",
    seed: (n) => {
      for (let i = 0; i < n; i++) emu.seed(`secret/airflow/connections/c${i}`, { conn_uri: value(i, 0) });
    },
    change: async (i, g) => {
      emu.write(`secret/airflow/connections/c${i}`, { conn_uri: value(i, g) });
    },
    secretId: (i) => `airflow/connections/c${i}`,
    source: () => createVaultSource({ connections_path: "airflow/connections", variables_path: null }, { id: "bench", env }),
    calls: () => Object.values(emu.calls()).reduce((a, b) => a + b, 0),
    resetCalls: () => emu.resetCalls(),
    close: () => emu.close(),
  };
}

async function gcpProvider(): Promise<Provider> {
  const emu = await startGcpEmulator();
  emu.inject({ latencyMs: RTT_MS, times: Number.POSITIVE_INFINITY });
  // The official client, as an operator's tool would add a version.
  const admin = new SecretManagerServiceClient({
    apiEndpoint: "127.0.0.1",
    port: emu.port,
    sslCreds: credentials.createInsecure(),
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
  return {
    name: "gcp-secret-manager",
    seed: (n) => {
      for (let i = 0; i < n; i++) emu.seedSecret({ secretId: `airflow-connections-c${i}`, versions: [value(i, 0)] });
    },
    change: async (i, g) => {
      await admin.addSecretVersion({
        parent: `projects/${emu.project.id}/secrets/airflow-connections-c${i}`,
        payload: { data: Buffer.from(value(i, g)) },
      });
    },
    secretId: (i) => `airflow-connections-c${i}`,
    source: () => createGcpSecretManagerSource({ project_id: emu.project.id, api_endpoint: emu.endpoint }, { id: "bench", env: {} }),
    calls: () => Object.values(emu.calls()).reduce((a, b) => a + b, 0),
    resetCalls: () => emu.resetCalls(),
    close: async () => {
      await admin.close();
      await emu.close();
    },
  };
}

const KEY_VAULT_OPERATIONS: readonly KeyVaultOperation[] = [
  "GetSecrets",
  "GetSecretVersions",
  "GetSecret",
  "SetSecret",
  "UpdateSecret",
  "DeleteSecret",
  "GetDeletedSecret",
];

async function keyVaultProvider(): Promise<Provider> {
  const emu = await startKeyVaultEmulator();
  emu.inject({ latencyMs: RTT_MS, times: Number.POSITIVE_INFINITY });
  // The official client, as an operator's tool would set a new version.
  const writer = new SecretClient(emu.url, emu.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: emu.ca } });
  return {
    name: "azure-key-vault",
    seed: (n) => {
      for (let i = 0; i < n; i++) emu.seedSecret(`airflow-connections-c${i}`, { value: value(i, 0) });
    },
    change: async (i, g) => {
      await writer.setSecret(`airflow-connections-c${i}`, value(i, g));
    },
    secretId: (i) => `airflow-connections-c${i}`,
    source: () =>
      createAzureKeyVaultSource({ vault_url: emu.url }, { id: "bench", env: {}, azure: { credential: emu.credential, ca: emu.ca } }),
    calls: () => KEY_VAULT_OPERATIONS.reduce((n, op) => n + emu.calls(op), 0),
    resetCalls: () => emu.resetCalls(),
    close: () => emu.close(),
  };
}

async function measure(provider: Provider) {
  provider.seed(N);
  const source = await provider.source();
  const target = new InMemoryDeploymentTarget();
  const binding: DeploymentBinding = {
    id: "bench",
    target,
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
  await engine.sync([binding], FULL_RECONCILIATION);
  const lags: number[] = [];
  let callsPerChange = 0;
  for (let s = 1; s <= SAMPLES; s++) {
    const i = s * 7;
    await provider.change(i, s);
    const key: AirflowKey = connectionKey(`c${i}`);
    const trigger: Trigger = {
      kind: "hints",
      hints: [{ provider: source.provider, sourceId: source.id, secretId: provider.secretId(i), action: "upsert", keys: [key] }],
    };
    provider.resetCalls();
    const started = performance.now();
    const report = await engine.sync([binding], trigger);
    lags.push(performance.now() - started);
    callsPerChange = provider.calls();
    if (report.summary.writes !== 1) throw new Error(`${provider.name}: the hint run wrote ${report.summary.writes} times, expected 1`);
  }
  provider.resetCalls();
  await engine.sync([binding], FULL_RECONCILIATION);
  const noopReconcileCalls = provider.calls();
  await source.close?.();
  lags.sort((a, b) => a - b);
  return { ownLagMs: Math.round(lags[Math.floor(SAMPLES / 2)] ?? 0), callsPerChange, noopReconcileCalls };
}

const measured: Record<string, { ownLagMs: number; callsPerChange: number; noopReconcileCalls: number }> = {};
for (const make of [
  awsProviders,
  async () => [await vaultProvider()],
  async () => [await gcpProvider()],
  async () => [await keyVaultProvider()],
]) {
  for (const provider of await make()) {
    process.stderr.write(`staleness-cost: ${provider.name}…\n`);
    try {
      measured[provider.name] = await measure(provider);
    } finally {
      await provider.close();
    }
  }
}

const POLLERS = [
  { name: "External Secrets Operator (1 h)", intervalS: 3600 },
  { name: "Airflow cached lookups (900 s)", intervalS: 900 },
  { name: "Secrets Store CSI driver (2 min)", intervalS: 120 },
];

const staleness: { approach: string; expectedS: number; worstS: number }[] = [];
for (const [name, m] of Object.entries(measured)) {
  const delivery = DELIVERY_S[name] ?? 5;
  const own = Number.isNaN(m.ownLagMs) ? 0 : m.ownLagMs / 1000;
  staleness.push({ approach: `afsync, ${name} event`, expectedS: round(delivery + own), worstS: round(RECONCILE_S + own) });
}
staleness.push({ approach: "afsync, no event (Key Vault delete, Vault Community)", expectedS: RECONCILE_S / 2, worstS: RECONCILE_S });
for (const p of POLLERS) staleness.push({ approach: p.name, expectedS: p.intervalS / 2, worstS: p.intervalS });

// Calls per month for N secrets used by DEPLOYMENTS Deployments, each rotated ROTATIONS times.
// afsync reads each source once per run whatever the number of Deployments; a poller reads every
// secret for every Deployment (one ExternalSecret / mounted secret / cache per Deployment).
const reconcilesPerMonth = MONTH_S / RECONCILE_S;
const changes = N * ROTATIONS;
const callsPerMonth: { approach: string; calls: number }[] = [];
for (const [name, m] of Object.entries(measured)) {
  callsPerMonth.push({
    approach: `afsync, ${name}`,
    calls: Math.round(changes * m.callsPerChange + reconcilesPerMonth * m.noopReconcileCalls),
  });
}
for (const p of POLLERS) callsPerMonth.push({ approach: p.name, calls: Math.round(N * DEPLOYMENTS * (MONTH_S / p.intervalS)) });

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const stalenessChart = await writeChart("staleness", {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: `Staleness after a change (seconds, log scale; reconciliation every ${RECONCILE_S / 60} min)`,
  width: 520,
  height: 320,
  data: {
    values: staleness.flatMap((s) => [
      { approach: s.approach, measure: "expected", seconds: Math.max(s.expectedS, 0.1) },
      { approach: s.approach, measure: "worst", seconds: Math.max(s.worstS, 0.1) },
    ]),
  },
  mark: "bar",
  encoding: {
    y: { field: "approach", type: "nominal", sort: null, title: null, axis: { labelLimit: 400 } },
    yOffset: { field: "measure" },
    // A log-scale bar has no zero to start from: it starts at the left edge of the domain.
    x: { field: "seconds", type: "quantitative", scale: { type: "log", domain: [0.1, 10_000] }, title: "seconds" },
    x2: { datum: 0.1 },
    color: { field: "measure", type: "nominal" },
  },
});
const callsChart = await writeChart("calls-per-month", {
  $schema: "https://vega.github.io/schema/vega-lite/v6.json",
  title: `Provider calls per month: ${N} secrets, ${DEPLOYMENTS} Deployments, ${ROTATIONS} rotation/secret/month (log scale)`,
  width: 520,
  height: 260,
  data: { values: callsPerMonth.map((c) => ({ ...c, calls: Math.max(c.calls, 1) })) },
  mark: "bar",
  encoding: {
    y: { field: "approach", type: "nominal", sort: null, title: null, axis: { labelLimit: 400 } },
    x: { field: "calls", type: "quantitative", scale: { type: "log", domain: [1_000, 1_000_000_000] }, title: "calls per month" },
    x2: { datum: 1_000 },
  },
});

process.stdout.write(
  `${JSON.stringify({
    secrets: N,
    deployments: DEPLOYMENTS,
    rotationsPerSecretPerMonth: ROTATIONS,
    reconcileEveryS: RECONCILE_S,
    rttMs: RTT_MS,
    deliveryAssumedS: DELIVERY_S,
    measured,
    staleness,
    callsPerMonth,
    charts: [stalenessChart, callsChart],
  })}\n`,
);
