/**
 * The Azure chain end to end, through the function app's real handlers and the official SDK
 * clients: a Key Vault write (HTTPS emulator, @azure/keyvault-secrets) → the Event Grid event it
 * emits → the Event Grid trigger or the HTTP trigger → Azure Storage Queues (Azurite, started here,
 * @azure/storage-queue) → the queue-triggered worker under the Deployment's blob lease (Azurite,
 * @azure/storage-blob) → the Airflow 3 REST API emulator and the Astro API emulator.
 *
 * The only things standing in for Azure's own machinery are `deliverToTrigger` (Event Grid handing
 * one event to the Event Grid trigger), `deliverOverHttp` (Event Grid posting to the HTTP trigger)
 * and `drainQueue` (the Functions host's queue listener: receive, call the worker, delete the
 * message unless the worker threw).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { KeyVaultChangeEvent } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import azureFunctions from "@azure/functions";
import { createQueueWorkerHandler } from "../functions/azure/src/handlers/queueWorker.ts";
import type { LoadFunctionDeps } from "../functions/azure/src/runtime/FunctionDeps.ts";
import { functionDepsFromEnv } from "../functions/azure/src/runtime/functionDepsFromEnv.ts";
import { type AzureFunctionApp, deliverQueue, startAzureFunctionApp } from "../functions/azure/test/support/azureFunctionApp.ts";

// A webpack bundle: Node's CJS interop does not see this class as a named export.
const { HttpRequest } = azureFunctions;

// Sentinels: none may appear in a log line or a handler's answer.
const DB_PASSWORD_1 = "kv-pw-one-41c9e2";
const DB_PASSWORD_2 = "kv-pw-two-8d03aa";
const DB_PASSWORD_3 = "kv-pw-three-c17f5b";
const AIRFLOW_PASSWORD = "airflow-admin-azure-5e21";
const ASTRO_TOKEN = "astro-token-azure-2b9c";
const HMAC_KEY = "hmac-key-azure-0123456789abcdef-0123456789";
const EVENTGRID_KEY = "eventgrid-key-e2e-6a4f0d";

let app: AzureFunctionApp;
let airflow: AirflowEmulator;
let astro: AstroEmulator;
const answers: string[] = [];

const uri = (password: string, host = "db.internal") => `postgresql://app:${encodeURIComponent(password)}@${host}:5432/sales`;

before(async () => {
  [airflow, astro] = await Promise.all([
    startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
    startAstroEmulator({ token: ASTRO_TOKEN }),
  ]);
  astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
  app = await startAzureFunctionApp({
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
      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }
    sources: [kv]
    deletion: delete
  astro:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: dep-astro
      api_url: ${astro.v1Url}
      retry: { max_attempts: 1 }
    sources: [kv]
    deletion: delete
state: { type: target }
serve: { eventgrid_key_env: AFSYNC_EVENTGRID_KEY }
`,
    hmacKey: HMAC_KEY,
    // The app settings the Bicep template sets (secrets as Key Vault references, resolved by the platform).
    env: { AFSYNC_EVENTGRID_KEY: EVENTGRID_KEY, AIRFLOW_USERNAME: "admin", AIRFLOW_PASSWORD, ASTRO_API_TOKEN: ASTRO_TOKEN },
  });
});

after(async () => {
  await airflow?.close();
  await astro?.close();
  await app?.close();
});

/** The events the Key Vault emulator emitted since the last call. */
function takeEvents(): KeyVaultChangeEvent[] {
  const events = [...app.kv.events];
  app.kv.clearEvents();
  return events;
}

/** Event Grid → the Event Grid trigger, one event per invocation (the Event Grid schema, as the binding receives it). */
async function deliverToTrigger(events: readonly unknown[]): Promise<void> {
  for (const event of events) answers.push(JSON.stringify(await app.handlers.eventGrid(event, app.context("keyVaultEvents"))));
}

/** Event Grid → the HTTP trigger (a webhook subscription to /api/eventgrid?code=…). */
async function deliverOverHttp(body: unknown, options: { query?: string; headers?: Record<string, string>; method?: string } = {}) {
  const request = new HttpRequest({
    method: options.method ?? "POST",
    url: `https://afsync.azurewebsites.net/api/eventgrid${options.query ?? `?code=${EVENTGRID_KEY}`}`,
    headers: { "content-type": "application/json", "aeg-event-type": "Notification", ...options.headers },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
  const response = await app.handlers.http(request, app.context("eventGridWebhook"));
  answers.push(JSON.stringify(response));
  return response;
}

/** The Functions host's queue listener (batches of 16): each message to the worker, deleted unless it threw; stops after a failure. */
async function drainQueue(): Promise<{ runs: number; failures: number }> {
  const deliveries = await deliverQueue(app, { batchSize: 16, stopOnFailure: true });
  return { runs: deliveries.length, failures: deliveries.filter((d) => d.outcome === "failed").length };
}

const astroVar = (key: string) => astro.deployment("org-1", "dep-astro")?.environmentVariables.find((v) => v.key === key);
const queueDepth = async () => (await app.queueClient.getProperties()).approximateMessagesCount ?? 0;

describe("Azure function app chain on Azurite and the emulators", () => {
  it("answers Event Grid's subscription validation handshake on the HTTP trigger, queueing nothing", async () => {
    const response = await deliverOverHttp(
      [
        {
          id: "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
          topic: app.kv.resourceId,
          subject: "",
          data: { validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validationUrl: "https://rp-eastus2.eventgrid.azure.net/..." },
          eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
          eventTime: "2026-11-30T22:00:00Z",
          metadataVersion: "1",
          dataVersion: "1",
        },
      ],
      { headers: { "aeg-event-type": "SubscriptionValidation" } },
    );
    assert.equal(response.status, 200);
    assert.deepEqual(response.jsonBody, { validationResponse: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" });
    const options = await deliverOverHttp(undefined, { method: "OPTIONS", headers: { "WebHook-Request-Origin": "eventgrid.azure.net" } });
    assert.equal(options.status, 200);
    assert.equal((options.headers as Record<string, string>)["WebHook-Allowed-Origin"], "eventgrid.azure.net");
    assert.equal(await queueDepth(), 0);
  });

  it("creates the connection in Airflow and Astro from a new secret, then applies its new version", async () => {
    await app.writer.setSecret("airflow-connections-warehouse", uri(DB_PASSWORD_1));
    await deliverToTrigger(takeEvents().map((e) => e.eventGrid));
    assert.equal(await queueDepth(), 2, "one message per Deployment reading the vault");
    assert.deepEqual(await drainQueue(), { runs: 2, failures: 0 });
    assert.equal(airflow.state.connections.get("warehouse")?.password, DB_PASSWORD_1);
    assert.equal(JSON.parse(astroVar("AIRFLOW_CONN_WAREHOUSE")?.value ?? "{}").password, DB_PASSWORD_1);

    // The new version arrives over HTTP, in the CloudEvents schema this time.
    await app.writer.setSecret("airflow-connections-warehouse", uri(DB_PASSWORD_2, "db2.internal"));
    const response = await deliverOverHttp(
      takeEvents().map((e) => e.cloudEvent),
      { headers: { "content-type": "application/cloudevents-batch+json" } },
    );
    assert.equal(response.status, 200);
    assert.deepEqual(await drainQueue(), { runs: 2, failures: 0 });
    assert.equal(airflow.state.connections.get("warehouse")?.host, "db2.internal");
    assert.equal(airflow.state.connections.get("warehouse")?.password, DB_PASSWORD_2);
    assert.equal(JSON.parse(astroVar("AIRFLOW_CONN_WAREHOUSE")?.value ?? "{}").password, DB_PASSWORD_2);
  });

  it("writes a burst with duplicates and reordering once: the newest version, the late older one kept out", async () => {
    await app.writer.setSecret("airflow-connections-warehouse", uri(DB_PASSWORD_2, "db3.internal"));
    await app.writer.setSecret("airflow-connections-warehouse", uri(DB_PASSWORD_3, "db3.internal"));
    const [older, newer] = takeEvents().map((e) => e.eventGrid);
    airflow.resetCalls();
    astro.resetCalls();
    // At least once and unordered, as Event Grid delivers: newest first, the older one twice.
    await deliverToTrigger([newer, older, older]);
    const out = await drainQueue();
    assert.equal(out.failures, 0);
    assert.equal(out.runs, 6, "three events × two Deployments, one worker run each");
    assert.equal(airflow.callCount("bulk_connections"), 1, JSON.stringify(airflow.callCounts()));
    assert.equal(airflow.state.connections.get("warehouse")?.password, DB_PASSWORD_3);
    assert.equal(astro.writeCalls(), 1, "one Astro write too");
    assert.equal(JSON.parse(astroVar("AIRFLOW_CONN_WAREHOUSE")?.value ?? "{}").password, DB_PASSWORD_3);
  });

  it("refuses a forged or keyless delivery over HTTP: 401, nothing queued, nothing written", async () => {
    await app.writer.setSecret("airflow-variables-region", "forged-value");
    const events = takeEvents().map((e) => e.eventGrid);
    airflow.resetCalls();
    for (const query of ["?code=not-the-key", ""]) {
      const response = await deliverOverHttp(events, { query });
      assert.equal(response.status, 401, query);
    }
    assert.equal(await queueDepth(), 0);
    assert.equal(airflow.writeCalls(), 0);
    assert.equal(airflow.state.variables.has("region"), false);
    // The value is in the vault all the same: the next reconciliation (below) brings it in.
  });

  it("finds a deletion through the timer's reconciliation: Key Vault sends no delete event", async () => {
    const poller = await app.writer.beginDeleteSecret("airflow-connections-warehouse", { intervalInMs: 1 });
    await poller.pollUntilDone();
    assert.deepEqual(takeEvents(), [], "no event for a delete");
    const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
    const result = await app.handlers.reconcile(timer, app.context("reconcile"));
    assert.deepEqual(result.enqueued, ["prod", "astro"]);
    assert.deepEqual(await drainQueue(), { runs: 2, failures: 0 });
    assert.equal(airflow.state.connections.has("warehouse"), false);
    assert.equal(astroVar("AIRFLOW_CONN_WAREHOUSE"), undefined);
    assert.equal(airflow.state.variables.get("region")?.value, "forged-value", "the full run also picked up the variable");
  });

  it("never lets two workers apply one Deployment at once: the second waits for the first's lease", async () => {
    await app.writer.setSecret("airflow-variables-region", "eu-west-1");
    // Two worker instances (each its own composition root, as two hosts would have) share a tracker.
    const runs: { start: number; end: number }[] = [];
    const tracked =
      (base: LoadFunctionDeps): LoadFunctionDeps =>
      async () => {
        const deps = await base();
        return {
          ...deps,
          engine: {
            async sync(bindings: DeploymentBinding[], trigger: Trigger) {
              const run = { start: performance.now(), end: Number.POSITIVE_INFINITY };
              runs.push(run);
              try {
                return await deps.engine.sync(bindings, trigger);
              } finally {
                run.end = performance.now();
              }
            },
          },
        };
      };
    const second = functionDepsFromEnv(app.env, {
      logger: { log() {} },
      azure: { credential: app.kv.credential, ca: app.kv.ca },
      leaseSeconds: 15,
    });
    const workerA = createQueueWorkerHandler(tracked(app.load), { leaseWaitMs: 30_000, leasePollMs: 50 });
    const workerB = createQueueWorkerHandler(tracked(second), { leaseWaitMs: 30_000, leasePollMs: 50 });
    // A slow target makes the runs long enough to overlap if nothing kept them apart.
    airflow.inject({ latencyMs: 400, times: 6 });
    const messages = [
      { v: 1 as const, deployment: "prod", trigger: { kind: "full" as const }, origin: "schedule:a" },
      { v: 1 as const, deployment: "prod", trigger: { kind: "full" as const }, origin: "schedule:b" },
    ];
    await app.queue.enqueue(messages);
    const received = await app.queue.receive(2, 60);
    assert.equal(received.length, 2);
    const [a, b] = received;
    const results = await Promise.all([
      workerA(JSON.parse(a?.body ?? ""), app.context("worker", { id: "lease-a" })),
      workerB(JSON.parse(b?.body ?? ""), app.context("worker", { id: "lease-b" })),
    ]);
    for (const m of received) await m.complete();
    assert.equal(runs.length, 2, "both messages were applied");
    const [first, then] = [...runs].sort((x, y) => x.start - y.start);
    assert.ok(first !== undefined && then !== undefined && first.end <= then.start, `runs overlapped: ${JSON.stringify(runs)}`);
    assert.ok(
      results.some((r) => r.leaseWaits >= 1),
      "one worker found the lease taken and waited",
    );
    assert.equal(airflow.state.variables.get("region")?.value, "eu-west-1");
  });

  it("leaks no secret value into logs or answers", () => {
    assert.ok(app.logLines.length > 0);
    assertNoSecretLeak(
      [...app.logLines, ...answers],
      [DB_PASSWORD_1, DB_PASSWORD_2, DB_PASSWORD_3, AIRFLOW_PASSWORD, ASTRO_TOKEN, HMAC_KEY, EVENTGRID_KEY],
    );
  });
});
