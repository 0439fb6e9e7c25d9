/**
 * The GCP chain end to end, through the real handlers and the official clients over gRPC and
 * HTTP: a write with the Secret Manager client (emulator) → the notification it publishes,
 * pushed with an OIDC token to the `push` function → the worker topic (Pub/Sub emulator, the
 * official publisher, ordering key = Deployment) → the ordered push subscription → the `worker`
 * function → the Airflow 3 API emulators of Deployments `prod` and `staging`. Every function is
 * served by functions-framework's own test server. The only stand-ins for Google's machinery
 * are the emulators' deliveries (Pub/Sub push to an HTTP endpoint).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { HttpSubscription } from "@afsync/emulators/gcp/startGcpEmulator";
import type { PubSubPushSubscription } from "@afsync/emulators/gcp/startPubSubEmulator";
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

const PASSWORD_1 = "gcp-e2e-pw-one-a41f";
const PASSWORD_2 = "gcp-e2e-pw-two-77c3";
const SENTINELS = [PASSWORD_1, PASSWORD_2, AIRFLOW_PASSWORD, HMAC_KEY, WEBHOOK_SECRET];
const SECRET = "airflow-connections-sales_db";
const uri = (password: string) => `postgresql://app:${encodeURIComponent(password)}@db.internal:5432/sales`;

let world: GcpFunctionWorld;
let admin: SecretManagerServiceClient;
let workerSubscription: PubSubPushSubscription;
let parent: string;
let secretName: string;

before(async () => {
  world = await startGcpFunctionWorld();
  admin = adminClient(world.secretManager);
  parent = `projects/${world.secretManager.project.id}`;
  secretName = `${parent}/secrets/${SECRET}`;
  // The worker topic's ordered push subscription, as Terraform declares it.
  workerSubscription = world.pubsub.pushTo({ topic: world.topics.sync, url: world.urls.worker, authorization: world.authorization });
});
after(async () => {
  await admin?.close();
  await world?.close();
});

/**
 * Runs `write` with the notification topic's push subscriptions in place (one per element of
 * `pushes`; two authenticated ones deliver every notification twice, as an at-least-once
 * redelivery would), then waits until the worker topic is drained.
 */
async function throughTheApp(write: () => Promise<unknown>, pushes: readonly ("authenticated" | "anonymous")[] = ["authenticated"]) {
  const subscriptions: HttpSubscription[] = pushes.map((kind) =>
    world.secretManager.deliverTo({
      url: world.urls.push,
      shape: "push",
      ...(kind === "authenticated" ? { authorization: world.authorization } : {}),
    }),
  );
  const published = world.pubsub.published.length;
  const attempts = workerSubscription.attempts.length;
  await write();
  for (const s of subscriptions) {
    await s.settled();
    s.stop();
  }
  await workerSubscription.settled();
  return {
    pushes: subscriptions.flatMap((s) => s.results),
    published: world.pubsub.published.length - published,
    workerAttempts: workerSubscription.attempts.slice(attempts),
  };
}

const connection = (deployment: "prod" | "staging") => world.airflow[deployment].state.connections.get("sales_db");

describe("GCP function app on the emulators", () => {
  it("a new version reaches both Deployments' Airflow", async () => {
    const out = await throughTheApp(async () => {
      await admin.createSecret({
        parent,
        secretId: SECRET,
        secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
      });
      await admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(uri(PASSWORD_1)) } });
    });
    assert.ok(
      out.pushes.every((p) => p.status === 204),
      JSON.stringify(out.pushes),
    );
    assert.equal(out.published, 2, "SECRET_VERSION_ADD → one message per Deployment");
    assert.ok(out.workerAttempts.every((a) => a.acked));
    for (const d of ["prod", "staging"] as const) {
      assert.equal(connection(d)?.conn_type, "postgres");
      assert.equal(connection(d)?.password, PASSWORD_1);
    }
  });

  it("a burst with duplicates (a new version, the old one disabled, every notification twice) is one write", async () => {
    world.airflow.prod.resetCalls();
    const out = await throughTheApp(async () => {
      await admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(uri(PASSWORD_2)) } });
      await admin.disableSecretVersion({ name: `${secretName}/versions/1` });
    }, ["authenticated", "authenticated"]);
    assert.equal(out.pushes.length, 4, "two notifications, each delivered twice");
    assert.equal(out.published, 8, "each delivery → one message per Deployment (Pub/Sub has no publish dedup)");
    assert.ok(out.workerAttempts.every((a) => a.acked));
    assert.equal(connection("prod")?.password, PASSWORD_2);
    assert.equal(connection("staging")?.password, PASSWORD_2);
    // Four runs for prod, one at a time: the first writes, the engine skips the rest as no-ops.
    assert.equal(world.airflow.prod.callCount("bulk_connections"), 1, JSON.stringify(world.airflow.prod.callCounts()));
  });

  it("a destroyed latest version keeps the last good value and is reported", async () => {
    world.airflow.prod.resetCalls();
    const out = await throughTheApp(() => admin.destroySecretVersion({ name: `${secretName}/versions/2` }));
    assert.ok(out.workerAttempts.length > 0 && out.workerAttempts.every((a) => a.acked));
    assert.equal(world.airflow.prod.callCount("bulk_connections"), 0);
    assert.equal(connection("prod")?.password, PASSWORD_2, "the value stays in Airflow");
    const reported = world.logLines.filter((l) => l.includes('"sync done"') && l.includes('"invalid":1'));
    assert.ok(reported.length >= 2, "both Deployments report the key as invalid");
  });

  it("an unauthenticated push is refused and runs nothing", async () => {
    world.airflow.prod.resetCalls();
    const out = await throughTheApp(
      () => admin.addSecretVersion({ parent: secretName, payload: { data: Buffer.from(uri("never-applied-pw")) } }),
      ["anonymous"],
    );
    assert.deepEqual(
      out.pushes.map((p) => [p.status, p.acked]),
      [[401, false]],
    );
    assert.equal(out.published, 0);
    assert.equal(out.workerAttempts.length, 0);
    assert.equal(world.airflow.prod.calls.length, 0);
    assert.equal(connection("prod")?.password, PASSWORD_2);
  });

  it("a deleted secret is removed from Airflow (deletion: delete)", async () => {
    const out = await throughTheApp(() => admin.deleteSecret({ name: secretName }));
    assert.equal(out.published, 2);
    assert.ok(out.workerAttempts.every((a) => a.acked));
    assert.equal(connection("prod"), undefined);
    assert.equal(connection("staging"), undefined);
  });

  it("no secret value reached a log line or a published message", () => {
    assertNoSecretLeak(
      [...world.logLines, ...world.pubsub.published.map((m) => m.data.toString("utf8"))],
      [...SENTINELS, "never-applied-pw"],
    );
  });
});
