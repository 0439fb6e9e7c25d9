/**
 * Issue 14 on the GCP path (ADR 008), through the function app's real handlers (served by
 * functions-framework's test server) and the official clients over gRPC against the emulators:
 * a burst of 1,000 Secret Manager versions on one secret → 1,000 notifications pushed to `push` →
 * per affected Deployment, a work message on the work topic (kept by the Deployment's filtered
 * pull subscription), then one doorbell per push on the ordered sync topic, keyed by the sharing
 * group (prod and staging read one source: ADR 012) → the doorbells pushed to `worker` one per
 * group at a time → the first doorbell's worker pulls the whole backlog of both Deployments (Pull,
 * pages of 1,000), runs the engine ONCE, acknowledges; the other 999 doorbells find nothing and
 * are acknowledged without a run → one read of the target, at most 2 writes, per Deployment.
 *
 * The batching window's end is played deterministically, as the AWS and Azure proofs do: the
 * doorbells' push subscription holds its deliveries until the whole burst is published
 * (`startPaused`), where the worker would otherwise wait out AFSYNC_BATCHING_WINDOW_SECONDS.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deliverNotification } from "@afsync/emulators/gcp/deliverNotification";
import type { SecretManagerNotification } from "@afsync/emulators/gcp/secretManagerNotifications";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import {
  AIRFLOW_PASSWORD,
  type GcpFunctionWorld,
  HMAC_KEY,
  startGcpFunctionWorld,
  WEBHOOK_SECRET,
} from "../functions/gcp/test/support/gcpFunctionWorld.ts";
import { adminClient } from "../packages/gcp/test/adminClient.ts";

const BURST = 1000;
const SECRET = "airflow-connections-burst_db";
const value = (n: number) => `gcp-burst-${n}-7c1d`;
const uri = (password: string) => `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/app`;

let world: GcpFunctionWorld;
let admin: SecretManagerServiceClient;
let parent: string;
let secretName: string;
let versions = 0;

before(async () => {
  world = await startGcpFunctionWorld({ coalescing: true });
  admin = adminClient(world.secretManager);
  parent = `projects/${world.secretManager.project.id}`;
  secretName = `${parent}/secrets/${SECRET}`;
  await admin.createSecret({
    parent,
    secretId: SECRET,
    secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
  });
});
after(async () => {
  await admin?.close();
  await world?.close();
});

/** `count` new versions of the secret; the notifications they published, not yet delivered. */
async function writeVersions(count: number): Promise<SecretManagerNotification[]> {
  world.secretManager.clearNotifications();
  for (let i = 0; i < count; i++)
    await admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(uri(value(++versions))) } });
  const written = [...world.secretManager.notifications];
  world.secretManager.clearNotifications();
  return written;
}

/** The notifications' push subscription to `push`, 8 deliveries in flight as Pub/Sub would have; every one must be acknowledged. */
async function pushAll(notifications: readonly SecretManagerNotification[]): Promise<void> {
  const queue = [...notifications];
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift())
        statuses.push((await deliverNotification(n, { url: world.urls.push, shape: "push", authorization: world.authorization })).status);
    }),
  );
  assert.deepEqual(new Set(statuses), new Set([204]), "every notification is acknowledged by push");
}

const logged = (message: string, deployment: string) =>
  world.logLines.filter((l) => {
    const line = JSON.parse(l) as { message?: string; deployment?: string };
    return line.message === message && line.deployment === deployment;
  }).length;

describe("GCP coalescing path (push → work topic + doorbell → worker pulls and folds)", () => {
  it("turns 1,000 events on one Deployment into one engine run, one read of the target and at most 2 writes", async () => {
    const notifications = await writeVersions(BURST);
    assert.equal(notifications.length, BURST);
    world.airflow.prod.resetCalls();
    const publishedBefore = world.pubsub.published.length;
    const doorbells = await world.drainDoorbellsAfter(() => pushAll(notifications));

    const published = world.pubsub.published.slice(publishedBefore);
    const work = published.filter((m) => m.topic === world.topics.work);
    const rung = published.filter((m) => m.topic === world.topics.sync);
    assert.equal(work.length, 2 * BURST, "a work message per notification per Deployment (prod and staging read the secret)");
    assert.equal(rung.length, BURST, "a doorbell after each push call, one for the sharing group (not one per Deployment)");
    assert.ok(
      rung.every(
        (m) =>
          m.data.length === 0 &&
          m.orderingKey === "prod" &&
          m.attributes["afsync-group"] === "prod" &&
          m.attributes["afsync-deployments"] === "prod,staging",
      ),
      "doorbells carry no data, keyed by the sharing group and naming both (prod and staging read one source: ADR 012)",
    );

    assert.ok(doorbells.attempts.every((a) => a.acked) && doorbells.attempts.length === BURST, "each doorbell is delivered once and acked");
    const lines = (message: string) => world.logLines.filter((l) => (JSON.parse(l) as { message?: string }).message === message).length;
    assert.equal(lines("group doorbell: work folded into one run"), 1, "the first doorbell folds both Deployments' work into one run");
    assert.equal(lines("group doorbell: nothing waiting"), BURST - 1, "the later doorbells find their work folded already");
    for (const deployment of ["prod", "staging"] as const) {
      assert.equal(logged("sync done", deployment), 1, `one engine run for ${deployment}'s burst`);
      assert.equal(world.workSubscriptions[deployment]?.backlog, 0, "every work message acknowledged");
      assert.equal(world.workSubscriptions[deployment]?.acknowledged, BURST);
    }
    const writes = world.airflow.prod.writeCalls();
    assert.ok(writes >= 1 && writes <= 2, `at most 2 target writes, saw ${writes}: ${JSON.stringify(world.airflow.prod.callCounts())}`);
    assert.equal(world.airflow.prod.callCount("get_connections"), 1, "the target's connections are read once");
    assert.equal(world.airflow.prod.state.connections.get("burst_db")?.password, value(BURST), "the last value put");
    assert.equal(world.airflow.staging.state.connections.get("burst_db")?.password, value(BURST));
    // A pull page holds 1,000: the fold took a second page (the 1,000 of the burst filled the first).
    assert.ok(world.pubsub.calls("Pull") >= 2 * BURST, "every doorbell pulled both subscriptions");
  });

  it("a failed run loses nothing: its work goes back to the subscription and the doorbell's redelivery applies it", async () => {
    const notifications = await writeVersions(5);
    world.airflow.prod.resetCalls();
    // The target refuses the run's first write; the run fails, the work is handed back (ModifyAckDeadline 0).
    world.airflow.prod.inject({ status: 500, times: 1, operationId: "bulk_connections" });
    const doorbells = await world.drainDoorbellsAfter(() => pushAll(notifications));
    // Each push rings the group once; the first doorbell's run failed for prod and it is nacked.
    const [first, ...rest] = doorbells.attempts;
    assert.equal(first?.status, 500, "the first doorbell's run failed for prod and it is nacked");
    assert.ok(rest.every((a) => a.acked));
    assert.equal(world.pubsub.calls("ModifyAckDeadline") > 0, true, "the failed run's work was handed back");
    assert.equal(world.workSubscriptions.prod?.backlog, 0, "and applied by the redelivered doorbell's run");
    assert.equal(world.airflow.prod.state.connections.get("burst_db")?.password, value(versions));
  });

  it("a reconciliation rings every Deployment and runs one full sync each", async () => {
    const doorbells = await world.drainDoorbellsAfter(async () => {
      const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
      assert.equal(response.status, 202);
      await response.arrayBuffer();
    });
    assert.deepEqual(
      doorbells.attempts.map((a) => [a.orderingKey, a.acked]),
      [["prod", true]],
      "one doorbell for the group",
    );
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
    assert.equal(world.workSubscriptions.staging?.backlog, 0);
  });

  it("no secret value reached a log line or a published message", () => {
    assertNoSecretLeak(
      [...world.logLines, ...world.pubsub.published.map((m) => m.data.toString("utf8"))],
      [AIRFLOW_PASSWORD, HMAC_KEY, WEBHOOK_SECRET, value(1), value(BURST), value(versions)],
    );
  });
});
