/**
 * Full reconciliation of 1,000 Secrets Manager secrets (and 1,000 SSM parameters) through the
 * real SDK clients against the AWS emulator: API calls per operation and wall time, with and
 * without a 5 ms per-call latency. The acceptance bound is ceil(1000/20) BatchGetSecretValue
 * calls (name-filtered, so no separate ListSecrets pages), never one call per secret.
 */
import { performance } from "node:perf_hooks";
import { createAwsSecretsManagerSource, createAwsSsmSource } from "@afsync/aws/awsSourceFactory";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";

const N = 1000;
const emu = await startAwsEmulator();
const env = { AWS_ENDPOINT_URL: emu.url, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" };
for (let i = 0; i < N; i++) {
  emu.seedSecret({ name: `airflow/connections/conn_${i}`, secretString: `postgres://user:pw${i}@db${i}.internal:5432/app` });
  emu.seedParameter({
    name: `/airflow/connections/conn_${i}`,
    value: `postgres://user:pw${i}@db${i}.internal:5432/app`,
    type: "SecureString",
  });
}

async function measure(kind: "secrets-manager" | "ssm", latencyMs: number) {
  emu.setLatency(latencyMs);
  const options = { variables_prefix: null };
  const source =
    kind === "ssm" ? createAwsSsmSource(options, { id: "bench", env }) : createAwsSecretsManagerSource(options, { id: "bench", env });
  await source.readAll(); // warm-up: connections, SDK middleware, tsx
  emu.resetCalls();
  const start = performance.now();
  const reads = await source.readAll();
  const ms = performance.now() - start;
  await source.close();
  const found = reads.filter((r) => r.status === "found").length;
  if (found !== N) throw new Error(`${kind}: expected ${N} found, got ${found}`);
  return { ms: Math.round(ms), calls: emu.calls() };
}

const sm0 = await measure("secrets-manager", 0);
const sm5 = await measure("secrets-manager", 5);
const ssm0 = await measure("ssm", 0);
const ssm5 = await measure("ssm", 5);
await emu.close();

const batchCalls = sm0.calls["secretsmanager.BatchGetSecretValue"] ?? 0;
const listCalls = sm0.calls["secretsmanager.ListSecrets"] ?? 0;
const result = {
  secrets: N,
  secretsManager: {
    batchGetSecretValueCalls: batchCalls,
    listSecretsCalls: listCalls,
    getSecretValueCalls: sm0.calls["secretsmanager.GetSecretValue"] ?? 0,
    bound: Math.ceil(N / 20) + listCalls,
    withinBound: batchCalls <= Math.ceil(N / 20),
    ms: sm0.ms,
    msWith5msLatency: sm5.ms,
  },
  ssm: { getParametersByPathCalls: ssm0.calls["AmazonSSM.GetParametersByPath"] ?? 0, ms: ssm0.ms, msWith5msLatency: ssm5.ms },
};
process.stdout.write(`${JSON.stringify(result)}\n`);
