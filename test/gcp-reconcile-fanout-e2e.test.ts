/**
 * Issue 14 on GCP: Cloud Scheduler's reconciliation fans out only the Deployments whose snapshot
 * changed. Through the function app's real handlers (functions-framework's test server) and the
 * official clients against the emulators: Secret Manager over gRPC (listed and read once per
 * firing for both Deployments, since it lists no versions), the ordered sync topic pushed to the
 * worker (Pub/Sub emulator), the ledger in Cloud Storage (@google-cloud/storage against the
 * Cloud Storage emulator), two Airflow 3 Deployments.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PubSubPushSubscription } from "@afsync/emulators/gcp/startPubSubEmulator";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { FixedClock } from "@afsync/testing/FixedClock";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { objectNameFor } from "../functions/gcp/src/fanout/GcsFanoutLedger.ts";
import { FANOUT_BUCKET, type GcpFunctionWorld, HMAC_KEY, startGcpFunctionWorld } from "../functions/gcp/test/support/gcpFunctionWorld.ts";
import { adminClient } from "../packages/gcp/test/adminClient.ts";

const REGION_1 = "gcp-fanout-region-eu-41f2";
const REGION_2 = "gcp-fanout-region-us-9c0e";
const SECRET = "airflow-variables-region";

let world: GcpFunctionWorld;
let admin: SecretManagerServiceClient;
let workerSubscription: PubSubPushSubscription;
let secretName: string;
const clock = new FixedClock("2026-11-30T00:00:00Z");
// While set, the worker's engine reports staging as failed (its target refusing, say): Pub/Sub
// redelivers, then dead-letters the message, and its fan-out stays unconfirmed.
let stagingFails = false;

before(async () => {
  world = await startGcpFunctionWorld({
    fanoutLedger: true,
    clock,
    decorateWorker: (deps) => ({
      ...deps,
      engine: {
        async sync(bindings, trigger) {
          const failing = stagingFails ? bindings.filter((b) => b.id === "staging") : [];
          const report = await deps.engine.sync(
            bindings.filter((b) => !failing.includes(b)),
            trigger,
          );
          const failed = failing.map((b) => ({
            id: b.id,
            target: "airflow-api",
            status: "failed" as const,
            error: "target down (test)",
            changes: [],
            writes: 0,
          }));
          return { ...report, deployments: [...report.deployments, ...failed] };
        },
      },
    }),
  });
  admin = adminClient(world.secretManager);
  const parent = `projects/${world.secretManager.project.id}`;
  secretName = `${parent}/secrets/${SECRET}`;
  await admin.createSecret({ parent, secretId: SECRET, secret: { replication: { automatic: {} } } });
  await admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(REGION_1) } });
  workerSubscription = world.pubsub.pushTo({
    topic: world.topics.sync,
    url: world.urls.worker,
    authorization: world.authorization,
    retryDelayMs: 1,
    maxRetryDelayMs: 1,
  });
});
after(async () => {
  await admin?.close();
  await world?.close();
});

/** Scheduler's POST to `reconcile`, then every push to the worker settled: the Deployments enqueued. */
async function reconcile(): Promise<string[]> {
  const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
  assert.equal(response.status, 202);
  const { enqueued } = (await response.json()) as { enqueued: string[] };
  await workerSubscription.settled();
  return enqueued;
}

const region = (d: "prod" | "staging") => world.airflow[d].state.variables.get("region")?.value;

describe("GCP reconcile fan-out (Scheduler → sync topic → worker, ledger in Cloud Storage)", () => {
  it("fans both Deployments out the first time; staging's failed run stays unconfirmed and is enqueued again", async () => {
    stagingFails = true;
    assert.deepEqual(await reconcile(), ["prod", "staging"]);
    assert.equal(region("prod"), REGION_1);
    assert.equal(workerSubscription.deadLettered.length, 1, "staging's message, after its delivery attempts");
    stagingFails = false;
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), ["staging"]);
    assert.equal(region("staging"), REGION_1);
  });

  it("enqueues nothing when nothing changed: Secret Manager read once for both Deployments, no message", async () => {
    clock.advance(15 * 60_000);
    const published = world.pubsub.published.length;
    world.secretManager.resetCalls();
    world.storage?.resetCalls();
    assert.deepEqual(await reconcile(), []);
    assert.equal(world.pubsub.published.length, published);
    // Secret Manager lists no versions: the floor is its listing and a read per secret, once for both.
    assert.equal(world.secretManager.calls("AccessSecretVersion"), 1);
    assert.equal(world.storage?.calls("objects.list"), 1, "the ledger: one list for every Deployment");
    assert.equal(world.storage?.calls("objects.insert"), 0);
  });

  it("enqueues the Deployments whose snapshot changed", async () => {
    await admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(REGION_2) } });
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), ["prod", "staging"]);
    assert.equal(region("staging"), REGION_2);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
  });

  it("enqueues every Deployment once reconcile.full_every (24h) has passed", async () => {
    clock.advance(24 * 3_600_000);
    assert.deepEqual(await reconcile(), ["prod", "staging"]);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
  });

  it("keeps no value in any message or ledger object: keyed hashes only", () => {
    const messages = world.pubsub.published.map((m) => m.data.toString("utf8"));
    assert.ok(messages.some((b) => b.includes('"fanout"')));
    const ledger = ["prod", "staging"].flatMap((d) => {
      const object = world.storage?.object(FANOUT_BUCKET, objectNameFor(d));
      return object === undefined ? [] : [`${object.data.toString("utf8")} ${JSON.stringify(object.metadata)}`];
    });
    assert.equal(ledger.length, 2);
    assert.ok(ledger.every((text) => /"fingerprint":"[0-9a-f]{64}"/.test(text)));
    assertNoSecretLeak([...messages, ...ledger, ...world.logLines], [REGION_1, REGION_2, HMAC_KEY]);
  });
});
