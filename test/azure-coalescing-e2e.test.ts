/**
 * Issue 14 on the Azure path, through the function app's real handlers and the official SDK
 * clients on Azurite and the emulators: a burst of 1,000 Key Vault events on one Deployment →
 * the Event Grid trigger → 1,000 Storage Queues messages → ONE queue-triggered worker run (it
 * holds the Deployment's blob lease and folds the Deployment's waiting messages into its run) →
 * one read of the target and at most 2 target writes. Another Deployment's message met on the
 * way goes back to the queue as a fresh copy, so it is not counted towards poisoning.
 *
 * `hostDelivers` plays the Functions host's queue listener with batchSize 1: receive one message,
 * call the worker, delete the message unless the worker threw.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { type Azurite, startAzurite } from "@afsync/testing/startAzurite";
import azureFunctions from "@azure/functions";
import { SecretClient } from "@azure/keyvault-secrets";
import { QueueServiceClient } from "@azure/storage-queue";
import { createEventGridTriggerHandler } from "../functions/azure/src/handlers/eventGridTrigger.ts";
import { createQueueWorkerHandler, type QueueWorkerResult } from "../functions/azure/src/handlers/queueWorker.ts";
import { StorageQueueSyncQueue } from "../functions/azure/src/queue/StorageQueueSyncQueue.ts";
import { functionDepsFromEnv } from "../functions/azure/src/runtime/functionDepsFromEnv.ts";

const { InvocationContext } = azureFunctions;

const AIRFLOW_PASSWORD = "airflow-admin-azure-burst-77d1";
const ASTRO_TOKEN = "astro-token-azure-burst-0c3e";
const HMAC_KEY = "hmac-key-azure-burst-0123456789abcdef";
const QUEUE = "afsync-sync";
const BURST = 1000;
const value = (n: number) => `kv-burst-${n}-5f2a`;
const uri = (password: string) => `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/app`;

let azurite: Azurite;
let kv: KeyVaultEmulator;
let airflow: AirflowEmulator;
let astro: AstroEmulator;
let queue: StorageQueueSyncQueue;
const logLines: string[] = [];
let handlers: {
  eventGrid: ReturnType<typeof createEventGridTriggerHandler>;
  worker: ReturnType<typeof createQueueWorkerHandler>;
};

before(async () => {
  [azurite, kv, airflow, astro] = await Promise.all([
    startAzurite(),
    startKeyVaultEmulator(),
    startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
    startAstroEmulator({ token: ASTRO_TOKEN }),
  ]);
  astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
  const queueClient = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(QUEUE);
  await queueClient.create();
  queue = new StorageQueueSyncQueue(queueClient);
  // `prod` reads the burst secret; `astro` reads another prefix of the same vault, so the burst
  // is routed to prod only and astro's work is the "other Deployment" in the queue.
  const config = `
sources:
  kv: { type: azure-key-vault, vault_url: "${kv.url}" }
  kv-team: { type: azure-key-vault, vault_url: "${kv.url}", connections_prefix: team-connections, variables_prefix: team-variables }
deployments:
  prod:
    target:
      type: airflow-api
      url: ${airflow.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }
    sources: [kv]
  astro:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: dep-astro
      api_url: ${astro.v1Url}
      retry: { max_attempts: 1 }
    sources: [kv-team]
state: { type: target }
`;
  const env: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: config,
    AzureWebJobsStorage: azurite.connectionString,
    AFSYNC_QUEUE_NAME: QUEUE,
    AFSYNC_LEASE_CONTAINER: "afsync-leases",
    AFSYNC_HMAC_KEY: HMAC_KEY,
    AIRFLOW_USERNAME: "admin",
    AIRFLOW_PASSWORD,
    ASTRO_API_TOKEN: ASTRO_TOKEN,
  };
  const load = functionDepsFromEnv(env, {
    logger: createJsonLineLogger({ write: (line) => logLines.push(line) }),
    azure: { credential: kv.credential, ca: kv.ca },
    leaseSeconds: 15,
  });
  handlers = {
    eventGrid: createEventGridTriggerHandler(load),
    worker: createQueueWorkerHandler(load, { leaseWaitMs: 30_000, leasePollMs: 100 }),
  };
});

after(async () => {
  await airflow?.close();
  await astro?.close();
  await kv?.close();
  await azurite?.stop();
});

let invocations = 0;
const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
  new InvocationContext({ invocationId: `inv-${++invocations}`, functionName, ...(triggerMetadata ? { triggerMetadata } : {}) });

/** The host's queue listener with batchSize 1, until the queue is empty: the worker's answers, in order. */
async function hostDelivers(): Promise<(QueueWorkerResult & { dequeueCount: number })[]> {
  const out: (QueueWorkerResult & { dequeueCount: number })[] = [];
  for (;;) {
    const [message] = await queue.receive(1, 60);
    if (message === undefined) return out;
    const result = await handlers.worker(
      JSON.parse(message.body),
      context("worker", { id: `m-${out.length}`, dequeueCount: message.dequeueCount }),
    );
    await message.complete();
    out.push({ ...result, dequeueCount: message.dequeueCount });
  }
}

const engineRuns = (deployment: string) =>
  logLines.filter((l) => {
    const line = JSON.parse(l) as { message?: string; deployment?: string };
    return line.message === "sync done" && line.deployment === deployment;
  }).length;

describe("Azure coalescing path (Event Grid → Storage Queues → worker under the lease)", () => {
  it("turns 1,000 events on one Deployment into one worker run, one target read and at most 2 target writes", async () => {
    const writer = new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } });
    for (let n = 1; n <= BURST; n++) await writer.setSecret("airflow-connections-burstdb", uri(value(n)));
    const events = [...kv.events].map((e) => e.eventGrid);
    kv.clearEvents();
    assert.equal(events.length, BURST);
    // Another Deployment's work waits in the queue too, between the burst's messages.
    for (const [index, event] of events.entries()) {
      await handlers.eventGrid(event, context("keyVaultEvents"));
      // Hints: another Deployment's full reconciliation would join the run under its own lease
      // (test/azure-reconcile-fanout-e2e.test.ts); its hints wait for their own run.
      if (index === 10)
        await queue.enqueue([
          {
            v: 1,
            deployment: "astro",
            trigger: { kind: "hints", hints: [{ provider: "azure-key-vault", secretId: "team-variables-region", action: "upsert" }] },
            origin: "event:t1",
          },
        ]);
    }

    airflow.resetCalls();
    const answers = await hostDelivers();
    assert.deepEqual(
      answers.map((a) => [a.deployment, a.drained]),
      [
        ["prod", BURST - 1],
        ["astro", 0],
      ],
      "the first prod message's run takes the other 999; astro's message is left for its own run",
    );
    // The astro message went back as a copy: received once, not counted towards poisoning.
    assert.equal(answers[1]?.dequeueCount, 1);
    assert.equal(engineRuns("prod"), 1, "one engine run for the burst");
    const writes = airflow.writeCalls();
    assert.ok(writes >= 1 && writes <= 2, `at most 2 target writes, saw ${writes}: ${JSON.stringify(airflow.callCounts())}`);
    assert.equal(airflow.callCount("get_connections"), 1, "the target's connections are read once");
    assert.equal(airflow.state.connections.get("burstdb")?.password, value(BURST), "the last value put");
  });

  it("leaks no secret value into any log line", () => {
    assertNoSecretLeak(logLines, [HMAC_KEY, AIRFLOW_PASSWORD, ASTRO_TOKEN, value(1), value(BURST)]);
  });
});
