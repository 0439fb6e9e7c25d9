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
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { QueueWorkerResult } from "../functions/azure/src/handlers/queueWorker.ts";
import { type AzureFunctionApp, deliverQueue, startAzureFunctionApp } from "../functions/azure/test/support/azureFunctionApp.ts";

const AIRFLOW_PASSWORD = "airflow-admin-azure-burst-77d1";
const ASTRO_TOKEN = "astro-token-azure-burst-0c3e";
const HMAC_KEY = "hmac-key-azure-burst-0123456789abcdef";
const BURST = 1000;
const value = (n: number) => `kv-burst-${n}-5f2a`;
const uri = (password: string) => `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/app`;

let app: AzureFunctionApp;
let airflow: AirflowEmulator;
let astro: AstroEmulator;

before(async () => {
  [airflow, astro] = await Promise.all([
    startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
    startAstroEmulator({ token: ASTRO_TOKEN }),
  ]);
  astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
  // `prod` reads the burst secret; `astro` reads another prefix of the same vault, so the burst
  // is routed to prod only and astro's work is the "other Deployment" in the queue.
  app = await startAzureFunctionApp({
    config: (kv) => `
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
`,
    hmacKey: HMAC_KEY,
    env: { AIRFLOW_USERNAME: "admin", AIRFLOW_PASSWORD, ASTRO_API_TOKEN: ASTRO_TOKEN },
  });
});

after(async () => {
  await airflow?.close();
  await astro?.close();
  await app?.close();
});

/** The host's queue listener with batchSize 1, until the queue is empty: the worker's answers, in order. */
async function hostDelivers(): Promise<(QueueWorkerResult & { dequeueCount: number })[]> {
  return (await deliverQueue(app)).map((d) => {
    if (d.outcome === "failed") assert.fail(`the worker threw on ${d.body}`);
    return { ...d.outcome, dequeueCount: d.dequeueCount };
  });
}

describe("Azure coalescing path (Event Grid → Storage Queues → worker under the lease)", () => {
  it("turns 1,000 events on one Deployment into one worker run, one target read and at most 2 target writes", async () => {
    const { kv, writer, queue } = app;
    for (let n = 1; n <= BURST; n++) await writer.setSecret("airflow-connections-burstdb", uri(value(n)));
    const events = [...kv.events].map((e) => e.eventGrid);
    kv.clearEvents();
    assert.equal(events.length, BURST);
    // Another Deployment's work waits in the queue too, between the burst's messages.
    for (const [index, event] of events.entries()) {
      await app.handlers.eventGrid(event, app.context("keyVaultEvents"));
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
    assert.equal(app.engineRuns("prod"), 1, "one engine run for the burst");
    const writes = airflow.writeCalls();
    assert.ok(writes >= 1 && writes <= 2, `at most 2 target writes, saw ${writes}: ${JSON.stringify(airflow.callCounts())}`);
    assert.equal(airflow.callCount("get_connections"), 1, "the target's connections are read once");
    assert.equal(airflow.state.connections.get("burstdb")?.password, value(BURST), "the last value put");
  });

  it("leaks no secret value into any log line", () => {
    assertNoSecretLeak(app.logLines, [HMAC_KEY, AIRFLOW_PASSWORD, ASTRO_TOKEN, value(1), value(BURST)]);
  });
});
