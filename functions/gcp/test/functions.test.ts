/**
 * The four functions through functions-framework's own test server, called over loopback HTTP:
 * what each accepts, what it refuses (and that a refusal runs nothing), and what it publishes on
 * the worker topic (the Pub/Sub emulator, through the official client).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { adminClient } from "../../../packages/gcp/test/adminClient.ts";
import { IMPOSTOR_KEY, pushTokenClaims, signGoogleToken } from "../../../packages/gcp/test/localGoogleKeys.ts";
import { type GcpFunctionWorld, startGcpFunctionWorld, WEBHOOK_SECRET } from "./support/gcpFunctionWorld.ts";

let world: GcpFunctionWorld;
before(async () => {
  world = await startGcpFunctionWorld();
});
after(async () => {
  await world?.close();
});

const publishedSince = (mark: number) => world.pubsub.published.slice(mark).map((m) => JSON.parse(m.data.toString("utf8")));

async function writeVersion(secretId: string, value: string): Promise<void> {
  const admin = adminClient(world.secretManager);
  const parent = `projects/${world.secretManager.project.id}`;
  await admin.createSecret({
    parent,
    secretId,
    secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
  });
  await admin.addSecretVersion({ parent: `${parent}/secrets/${secretId}`, payload: { data: Buffer.from(value) } });
  await admin.close();
}

describe("push (authenticated Pub/Sub push of Secret Manager notifications)", () => {
  it("refuses a push without a token (401) or with a wrong audience or forged signature (403), and publishes nothing", async () => {
    const mark = world.pubsub.published.length;
    const anonymous = world.secretManager.deliverTo({ url: world.urls.push, shape: "push" });
    const wrongAudience = world.secretManager.deliverTo({
      url: world.urls.push,
      shape: "push",
      authorization: () => `Bearer ${signGoogleToken(pushTokenClaims({ aud: "https://elsewhere.example.com/" }))}`,
    });
    const forged = world.secretManager.deliverTo({
      url: world.urls.push,
      shape: "push",
      authorization: () => `Bearer ${signGoogleToken(pushTokenClaims(), IMPOSTOR_KEY)}`,
    });
    await writeVersion("airflow-connections-refused", "postgresql://u:refused-pw-1@h/db");
    for (const s of [anonymous, wrongAudience, forged]) {
      await s.settled();
      s.stop();
    }
    assert.ok(anonymous.results.length > 0 && anonymous.results.every((r) => r.status === 401 && !r.acked));
    assert.ok(wrongAudience.results.every((r) => r.status === 403 && !r.acked));
    assert.ok(forged.results.every((r) => r.status === 403 && !r.acked));
    assert.deepEqual(publishedSince(mark), []);
    assert.ok(world.logLines.some((l) => l.includes("the token's audience is not this endpoint's")));
  });

  it("routes an authenticated push to one message per Deployment, ordering key = Deployment", async () => {
    const mark = world.pubsub.published.length;
    const push = world.secretManager.deliverTo({ url: world.urls.push, shape: "push", authorization: world.authorization });
    await writeVersion("airflow-variables-pushed", "pushed-value");
    await push.settled();
    push.stop();
    assert.ok(push.results.every((r) => r.status === 204 && r.acked));
    const messages = publishedSince(mark);
    assert.deepEqual(messages.map((m) => m.deployment).sort(), ["prod", "staging"]);
    const upsert = messages[0].trigger.hints.find((h: { action: string }) => h.action === "upsert");
    assert.equal(upsert.secretId, `projects/${world.secretManager.project.number}/secrets/airflow-variables-pushed`);
    assert.equal(upsert.version, "1");
    assert.deepEqual(
      world.pubsub.published.slice(mark).map((m) => m.orderingKey),
      messages.map((m) => m.deployment),
    );
  });

  it("answers 405 to anything but POST", async () => {
    const response = await fetch(world.urls.push, { method: "GET" });
    assert.equal(response.status, 405);
  });
});

describe("events (Eventarc messagePublished CloudEvent)", () => {
  it("routes the binary-mode CloudEvent as the push does", async () => {
    const mark = world.pubsub.published.length;
    const eventarc = world.secretManager.deliverTo({ url: world.urls.events, shape: "cloudevent" });
    await writeVersion("airflow-variables-eventarc", "eventarc-value");
    await eventarc.settled();
    eventarc.stop();
    assert.ok(
      eventarc.results.every((r) => r.acked),
      JSON.stringify(eventarc.results),
    );
    const messages = publishedSince(mark);
    // TOPIC_CONFIGURED and SECRET_CREATE route nowhere; SECRET_VERSION_ADD reaches both Deployments.
    assert.deepEqual(messages.map((m) => m.deployment).sort(), ["prod", "staging"]);
    assert.ok(messages.every((m) => m.origin.startsWith("event:")));
  });
});

describe("push: the signed webhook on /hooks/generic", () => {
  const body = JSON.stringify({ source: "gcp", keys: ["var:from_webhook"] });
  it("queues a signed request (202) and refuses a bad signature (401) without publishing", async () => {
    const mark = world.pubsub.published.length;
    const bad = await fetch(`${world.urls.push}/hooks/generic`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-afsync-signature": signWebhookBody("not-the-secret", body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    assert.equal(bad.status, 401);
    assert.deepEqual(publishedSince(mark), []);
    const good = await fetch(`${world.urls.push}/hooks/generic`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-afsync-signature": signWebhookBody(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    assert.equal(good.status, 202);
    assert.deepEqual((await good.json()) as unknown, { enqueued: ["prod", "staging"] });
    assert.deepEqual(
      publishedSince(mark).map((m) => m.trigger.hints[0].keys),
      [[{ kind: "variable", id: "from_webhook" }], [{ kind: "variable", id: "from_webhook" }]],
    );
  });
});

describe("reconcile (Cloud Scheduler with OIDC)", () => {
  it("refuses a call without a token and publishes nothing; with one, queues a full sync per Deployment", async () => {
    const mark = world.pubsub.published.length;
    const anonymous = await fetch(world.urls.reconcile, { method: "POST" });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(publishedSince(mark), []);
    const ok = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(ok.status, 202);
    assert.deepEqual(
      // One message per Deployment, published concurrently: their order is not part of the contract.
      publishedSince(mark)
        .map((m) => [m.deployment, m.trigger.kind])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
      [
        ["prod", "full"],
        ["staging", "full"],
      ],
    );
  });
});

describe("worker (ordered push subscription of the worker topic)", () => {
  it("refuses an unauthenticated delivery (401) and applies nothing", async () => {
    const writes = world.airflow.prod.writeCalls();
    const message = { v: 1, deployment: "prod", trigger: { kind: "full" }, origin: "test:anonymous" };
    const response = await fetch(world.urls.worker, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        message: { data: Buffer.from(JSON.stringify(message)).toString("base64"), messageId: "m-1" },
        subscription: "s",
      }),
    });
    assert.equal(response.status, 401);
    assert.equal(world.airflow.prod.writeCalls(), writes);
    assert.equal(world.airflow.prod.calls.length, 0);
  });

  it("nacks (500) a message it cannot decode, so Pub/Sub redelivers then dead-letters it", async () => {
    const response = await fetch(world.urls.worker, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: world.authorization() },
      body: JSON.stringify({ message: { data: Buffer.from("{not json").toString("base64"), messageId: "m-2" }, subscription: "s" }),
    });
    assert.equal(response.status, 500);
    assert.ok(world.logLines.some((l) => l.includes("queue message rejected") && l.includes("not JSON")));
  });

  it("refuses (400) a body that is not a push delivery", async () => {
    const response = await fetch(world.urls.worker, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: world.authorization() },
      body: JSON.stringify({ hello: "world" }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /push body/);
  });
});
