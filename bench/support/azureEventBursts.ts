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
import { type KeyVaultOperation, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { startAzurite } from "@afsync/testing/startAzurite";
import azureFunctions from "@azure/functions";
import { SecretClient } from "@azure/keyvault-secrets";
import { QueueServiceClient } from "@azure/storage-queue";
import { createEventGridTriggerHandler } from "../../functions/azure/src/handlers/eventGridTrigger.ts";
import { createQueueWorkerHandler } from "../../functions/azure/src/handlers/queueWorker.ts";
import { StorageQueueSyncQueue } from "../../functions/azure/src/queue/StorageQueueSyncQueue.ts";
import { functionDepsFromEnv } from "../../functions/azure/src/runtime/functionDepsFromEnv.ts";
import { alternatedRounds } from "./alternatedRounds.ts";
import type { BurstRound } from "./BurstRound.ts";
import { noopEngine } from "./noopEngine.ts";

const { InvocationContext } = azureFunctions;
const AIRFLOW_PASSWORD = "airflow-admin-azure-bench";
const QUEUE = "afsync-sync";
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
  const [azurite, kv, airflow] = await Promise.all([
    startAzurite(),
    startKeyVaultEmulator(),
    startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
  ]);
  const queueClient = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(QUEUE);
  await queueClient.create();
  const queue = new StorageQueueSyncQueue(queueClient);
  const logLines: string[] = [];
  const load = functionDepsFromEnv(
    {
      AFSYNC_CONFIG: `
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
      AzureWebJobsStorage: azurite.connectionString,
      AFSYNC_QUEUE_NAME: QUEUE,
      AFSYNC_LEASE_CONTAINER: "afsync-leases",
      AFSYNC_HMAC_KEY: "hmac-key-azure-bench-0123456789abcdef",
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD,
    },
    { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }), azure: { credential: kv.credential, ca: kv.ca } },
  );
  let engine: "real" | "noop" = "real";
  const worker = createQueueWorkerHandler(async () => {
    const deps = await load();
    return engine === "noop" ? { ...deps, engine: noopEngine } : deps;
  });
  const eventGrid = createEventGridTriggerHandler(load);
  const writer = new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } });
  let invocations = 0;
  const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({ invocationId: `inv-${++invocations}`, functionName, ...(triggerMetadata ? { triggerMetadata } : {}) });
  let versions = 0;

  const measure = async (size: number, pipeline: "afsync" | "noop"): Promise<AzureBurstRound> => {
    engine = pipeline === "noop" ? "noop" : "real";
    kv.clearEvents();
    for (let i = 0; i < size; i++) await writer.setSecret(SECRET, `postgresql://app:v${++versions}@db.internal:5432/app`);
    const events = kv.events.map((e) => e.eventGrid);
    kv.clearEvents();
    await load(); // cold start outside the timing
    airflow.resetCalls();
    kv.resetCalls();
    const runsBefore = logLines.filter((l) => l.includes('"message":"sync done"')).length;
    const start = performance.now();
    for (const event of events) await eventGrid(event, context("keyVaultEvents"));
    let workerInvocations = 0;
    for (;;) {
      const [message] = await queue.receive(1, 60);
      if (message === undefined) break;
      await worker(JSON.parse(message.body), context("worker", { id: `m-${invocations}`, dequeueCount: message.dequeueCount }));
      await message.complete();
      workerInvocations += 1;
    }
    const ms = performance.now() - start;
    return {
      events: size,
      ms: Math.round(ms),
      msPerEvent: Number((ms / size).toFixed(3)),
      workerInvocations,
      engineRuns: pipeline === "noop" ? 0 : logLines.filter((l) => l.includes('"message":"sync done"')).length - runsBefore,
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
    await kv.close();
    await azurite.stop();
  }
  return out;
}
