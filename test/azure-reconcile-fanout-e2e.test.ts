/**
 * Issue 14 on Azure: the timer's reconciliation fans out only the Deployments whose snapshot
 * changed, and the worker reads a vault shared by the Deployments it runs once. Through the
 * function app's real handlers and the official SDK clients: Key Vault (HTTPS emulator,
 * @azure/keyvault-secrets), Storage Queues and Blob Storage (Azurite: the sync queue, the lease
 * blobs and the fan-out ledger beside them), ten Astro Deployments (the Astro API emulator).
 *
 * `hostDelivers` plays the Functions host's queue listener with batchSize 1: receive one message,
 * call the worker, delete the message unless the worker threw.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { FixedClock } from "@afsync/testing/FixedClock";
import { BlobServiceClient } from "@azure/storage-blob";
import type { QueueWorkerResult } from "../functions/azure/src/handlers/queueWorker.ts";
import {
  type AzureFunctionApp,
  deliverQueue,
  LEASE_CONTAINER,
  startAzureFunctionApp,
} from "../functions/azure/test/support/azureFunctionApp.ts";

const DB_PASSWORD_1 = "kv-fanout-pw-one-3a91";
const DB_PASSWORD_2 = "kv-fanout-pw-two-77c0";
const REGION_1 = "kv-fanout-region-eu-5d2";
const REGION_2 = "kv-fanout-region-us-0b8";
const ASTRO_TOKEN = "astro-token-azure-fanout-91fe";
const HMAC_KEY = "hmac-key-azure-fanout-0123456789abcdef";
const DEPLOYMENTS = Array.from({ length: 10 }, (_, i) => `d${i}`);
const uri = (password: string) => `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/app`;

let app: AzureFunctionApp;
let astro: AstroEmulator;
const clock = new FixedClock("2026-11-30T00:00:00Z");
const bodies: string[] = [];

before(async () => {
  astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  // d3's Astro Deployment does not exist yet: its runs fail until it is seeded.
  for (const id of DEPLOYMENTS) if (id !== "d3") astro.seedDeployment({ id: `astro-${id}`, organizationId: "org-1" });
  // Ten Deployments on one vault; d1 takes only variables, so a connection's rotation is not its business.
  const deployments = DEPLOYMENTS.map(
    (id) => `
  ${id}:
    target: { type: astro-env-vars, organization_id: org-1, deployment_id: astro-${id}, api_url: "${astro.v1Url}", retry: { max_attempts: 1 } }
    sources: [kv]${id === "d1" ? '\n    include: ["var:*"]' : ""}`,
  ).join("");
  app = await startAzureFunctionApp({
    config: (kv) =>
      `sources:\n  kv: { type: azure-key-vault, vault_url: "${kv.url}" }\ndeployments:${deployments}\nstate: { type: target }\n`,
    hmacKey: HMAC_KEY,
    env: { ASTRO_API_TOKEN: ASTRO_TOKEN },
    clock,
  });
  await app.writer.setSecret("airflow-connections-db", uri(DB_PASSWORD_1));
  await app.writer.setSecret("airflow-variables-region", REGION_1);
});

after(async () => {
  await astro?.close();
  await app?.close();
});

const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };

const reconcile = async () => (await app.handlers.reconcile(timer, app.context("reconcile"))).enqueued;

/** The host's queue listener with batchSize 1 until the queue shows nothing: the worker's answers (a throw counts as failed). */
async function hostDelivers(): Promise<(QueueWorkerResult | "failed")[]> {
  const deliveries = await deliverQueue(app);
  bodies.push(...deliveries.map((d) => d.body));
  return deliveries.map((d) => d.outcome);
}

const astroVar = (id: string, key: string) => astro.deployment("org-1", `astro-${id}`)?.environmentVariables.find((v) => v.key === key);
const vaultCalls = () => ({ list: app.kv.calls("GetSecrets"), get: app.kv.calls("GetSecret") });

describe("Azure reconcile fan-out (timer → Storage Queues → worker, ledger on Azurite)", () => {
  it("fans every Deployment out the first time, and one worker run takes them all: the vault is listed once", async () => {
    assert.deepEqual(await reconcile(), DEPLOYMENTS);
    app.kv.resetCalls();
    const answers = await hostDelivers();
    // The first message's run took the other nine full reconciliations along under their leases.
    assert.equal(answers.length, 1);
    const [first] = answers;
    assert.ok(first !== "failed" && first !== undefined);
    assert.deepEqual([first.deployment, ...first.folded].sort(), DEPLOYMENTS);
    // One read of the shared vault for ten Deployments: 1 list page, 1 get per secret (one run per Deployment: 10 and 20).
    assert.deepEqual(vaultCalls(), { list: 1, get: 2 });
    assert.equal(astroVar("d0", "AIRFLOW_VAR_REGION")?.value, REGION_1);
    assert.equal(astroVar("d3", "AIRFLOW_VAR_REGION"), undefined, "d3's Astro Deployment does not exist: its run failed");
  });

  it("enqueues only the Deployment whose fan-out was not confirmed (its run failed) when nothing changed", async () => {
    astro.seedDeployment({ id: "astro-d3", organizationId: "org-1" });
    clock.advance(15 * 60_000);
    app.kv.resetCalls();
    assert.deepEqual(await reconcile(), ["d3"]);
    // Key Vault lists no versions: the floor is one list page and one get per secret, once for all ten Deployments.
    assert.deepEqual(vaultCalls(), { list: 1, get: 2 });
    assert.deepEqual(
      (await hostDelivers()).map((a) => (a === "failed" ? a : a.deployment)),
      ["d3"],
    );
    assert.equal(astroVar("d3", "AIRFLOW_VAR_REGION")?.value, REGION_1);
  });

  it("enqueues nothing when nothing changed and every fan-out was confirmed", async () => {
    clock.advance(15 * 60_000);
    const depth = async () => (await app.queueClient.getProperties()).approximateMessagesCount ?? 0;
    // The count includes hidden messages (d3's failed one, hidden for the drain's 300 s): compare before and after.
    const before = await depth();
    app.kv.resetCalls();
    assert.deepEqual(await reconcile(), []);
    assert.equal(await depth(), before, "no message sent");
    assert.deepEqual(vaultCalls(), { list: 1, get: 2 });
  });

  it("enqueues only the Deployments that select a changed key", async () => {
    await app.writer.setSecret("airflow-connections-db", uri(DB_PASSWORD_2));
    clock.advance(15 * 60_000);
    const enqueued = await reconcile();
    assert.deepEqual(
      enqueued,
      DEPLOYMENTS.filter((id) => id !== "d1"),
    );
    const answers = await hostDelivers();
    assert.ok(answers.every((a) => a !== "failed"));
    assert.ok(astroVar("d9", "AIRFLOW_CONN_DB")?.isSecret);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), [], "the worker confirmed every fan-out");
    await app.writer.setSecret("airflow-variables-region", REGION_2);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), DEPLOYMENTS, "a variable every Deployment selects");
    await hostDelivers();
    assert.equal(astroVar("d1", "AIRFLOW_VAR_REGION")?.value, REGION_2);
  });

  it("enqueues every Deployment once reconcile.full_every (24h) has passed, changed or not", async () => {
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
    clock.advance(24 * 3_600_000);
    assert.deepEqual(await reconcile(), DEPLOYMENTS);
    await hostDelivers();
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
  });

  it("keeps no value in any queue message or ledger record: keyed hashes only", async () => {
    const container = BlobServiceClient.fromConnectionString(app.azurite.connectionString).getContainerClient(LEASE_CONTAINER);
    const stored: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: "fanout/", includeMetadata: true })) {
      stored.push(JSON.stringify(blob.metadata), (await container.getBlobClient(blob.name).downloadToBuffer()).toString("utf8"));
    }
    assert.equal(stored.length, 2 * DEPLOYMENTS.length);
    assert.ok(bodies.some((b) => b.includes('"fanout"')));
    assertNoSecretLeak([...bodies, ...stored, ...app.logLines], [DB_PASSWORD_1, DB_PASSWORD_2, REGION_1, REGION_2, HMAC_KEY, ASTRO_TOKEN]);
  });
});
