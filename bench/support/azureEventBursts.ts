/**
 * Event bursts through the REAL Azure function app, for `event-bursts.bench.ts`: Key Vault
 * versions of one secret (official client, emulator) → their Event Grid events to the
 * `keyVaultEvents` trigger → one Storage Queues message each (Azurite, official client) → the
 * queue-triggered `worker` (it takes the Deployment's blob lease and folds the Deployment's waiting
 * messages into one engine run) → the Airflow 3 API emulator.
 *
 * The Functions host's queue listener is played as in test/azure-coalescing-e2e.test.ts: batch
 * size 1, receive, call the worker, delete unless it threw, until the queue is empty. The no-op
 * pipeline is the same handlers, queue and lease with the worker's engine replaced by one that does
 * nothing; afsync and no-op are alternated three rounds each and the median round kept.
 */
import { performance } from "node:perf_hooks";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { KeyVaultOperation } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { deliverQueue, startAzureFunctionApp } from "../../functions/azure/test/support/azureFunctionApp.ts";
import { alternatedRounds } from "./alternatedRounds.ts";
import type { BurstRound } from "./BurstRound.ts";
import { noopEngine } from "./noopEngine.ts";

const AIRFLOW_PASSWORD = "airflow-admin-azure-bench";
const SECRET = "airflow-connections-burstdb";
const KEY_VAULT_READS: readonly KeyVaultOperation[] = ["GetSecrets", "GetSecretVersions", "GetSecret"];

/**
 * `workerInvocations`: queue messages the worker was called for (the host's batch size is 1);
 * `providerCalls`: Key Vault reads (GetSecrets, GetSecretVersions, GetSecret).
 */
export type AzureBurstRound = BurstRound;

export async function measureAzureBursts(
  sizes: readonly number[],
): Promise<Record<string, { afsync: AzureBurstRound; noop: AzureBurstRound }>> {
  const airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  let engine: "real" | "noop" = "real";
  const app = await startAzureFunctionApp({
    config: (kv) => `
sources:
  kv: { type: azure-key-vault, vault_url: "${kv.url}" }
deployments:
  prod:
    target:
      type: airflow-api
      url: ${airflow.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
    sources: [kv]
state: { type: target }
`,
    hmacKey: "hmac-key-azure-bench-0123456789abcdef",
    env: { AIRFLOW_USERNAME: "admin", AIRFLOW_PASSWORD },
    deployedTimings: true,
    decorateWorker: (deps) => (engine === "noop" ? { ...deps, engine: noopEngine } : deps),
  });
  const { kv, writer } = app;
  let versions = 0;

  const measure = async (size: number, pipeline: "afsync" | "noop"): Promise<AzureBurstRound> => {
    engine = pipeline === "noop" ? "noop" : "real";
    kv.clearEvents();
    for (let i = 0; i < size; i++) await writer.setSecret(SECRET, `postgresql://app:v${++versions}@db.internal:5432/app`);
    const events = kv.events.map((e) => e.eventGrid);
    kv.clearEvents();
    await app.load(); // cold start outside the timing
    airflow.resetCalls();
    kv.resetCalls();
    const runsBefore = app.engineRuns();
    const start = performance.now();
    for (const event of events) await app.handlers.eventGrid(event, app.context("keyVaultEvents"));
    const deliveries = await deliverQueue(app);
    const ms = performance.now() - start;
    const failed = deliveries.filter((d) => d.outcome === "failed").length;
    if (failed > 0) throw new Error(`Azure burst of ${size} (${pipeline}): the worker threw on ${failed} queue messages`);
    const workerInvocations = deliveries.length;
    return {
      events: size,
      ms: Math.round(ms),
      msPerEvent: Number((ms / size).toFixed(3)),
      workerInvocations,
      engineRuns: pipeline === "noop" ? 0 : app.engineRuns() - runsBefore,
      targetWrites: airflow.writeCalls(),
      targetReads: airflow.callCount("get_connections"),
      providerCalls: KEY_VAULT_READS.reduce((n, op) => n + kv.calls(op), 0),
    };
  };

  const out: Record<string, { afsync: AzureBurstRound; noop: AzureBurstRound }> = {};
  try {
    for (const size of sizes) out[`burst${size}`] = await alternatedRounds((pipeline) => measure(size, pipeline));
  } finally {
    await airflow.close();
    await app.close();
  }
  return out;
}
