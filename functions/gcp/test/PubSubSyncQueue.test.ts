import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RemoteCallError } from "@afsync/core";
import { sharingGroups } from "@afsync/core/config/sharingGroups";
import { type PubSubEmulator, startPubSubEmulator } from "@afsync/emulators/gcp/startPubSubEmulator";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { PubSub } from "@google-cloud/pubsub";
import { createPubSubClient } from "../src/queue/createPubSubClient.ts";
import {
  DEPLOYMENT_ATTRIBUTE,
  DEPLOYMENTS_ATTRIBUTE,
  DOORBELL_ATTRIBUTE,
  GROUP_ATTRIBUTE,
  ORIGIN_ATTRIBUTE,
  PubSubSyncQueue,
} from "../src/queue/PubSubSyncQueue.ts";

const message = (deployment: string, origin: string): SyncMessage => ({ v: 1, deployment, trigger: { kind: "full" }, origin });

let emu: PubSubEmulator;
let client: PubSub;
before(async () => {
  emu = await startPubSubEmulator();
  client = createPubSubClient(emu.projectId, emu.endpoint);
});
after(async () => {
  await client.close();
  await emu.close();
});

describe("PubSubSyncQueue (official client → Pub/Sub emulator)", () => {
  it("publishes each message with the Deployment as ordering key, in order per key", async () => {
    const topic = emu.createTopic("queue-order");
    const queue = new PubSubSyncQueue(client, topic);
    await queue.enqueue([message("prod", "a"), message("staging", "b"), message("prod", "c")]);
    const sent = emu.published.filter((m) => m.topic === topic);
    const rows = sent.map((m) => [
      m.orderingKey,
      JSON.parse(m.data.toString("utf8")).origin,
      m.attributes[DEPLOYMENT_ATTRIBUTE],
      m.attributes[ORIGIN_ATTRIBUTE],
    ]);
    // Order holds within a key (the client batches per key), not across keys.
    assert.deepEqual(
      rows.filter(([key]) => key === "prod"),
      [
        ["prod", "a", "prod", "a"],
        ["prod", "c", "prod", "c"],
      ],
    );
    assert.deepEqual(
      rows.filter(([key]) => key === "staging"),
      [["staging", "b", "staging", "b"]],
    );
  });

  it("throws a transient error naming the Deployment when publishing fails, and publishes that key again afterwards", async () => {
    const queue = new PubSubSyncQueue(client, `projects/${emu.projectId}/topics/queue-missing`);
    const error = await queue.enqueue([message("prod", "x")]).then(
      () => assert.fail("expected the publish to fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof RemoteCallError);
    assert.equal(error.errorClass, "transient");
    assert.match(error.message, /prod: /);
    // The client paused the key after the failure; the queue resumed it, so a retry goes through.
    emu.createTopic("queue-missing");
    await queue.enqueue([message("prod", "y")]);
    assert.equal(emu.published.at(-1)?.orderingKey, "prod");
  });

  it("with a work topic but no groups: the messages go there unkeyed, then ONE payload-free doorbell per Deployment on the sync topic", async () => {
    const sync = emu.createTopic("bell-sync");
    const work = emu.createTopic("bell-work");
    const queue = new PubSubSyncQueue(client, sync, work);
    const mark = emu.published.length;
    await queue.enqueue([message("prod", "a"), message("staging", "b"), message("prod", "c")]);
    const sent = emu.published.slice(mark);
    const lastWork = sent.findLastIndex((m) => m.topic === work);
    const firstBell = sent.findIndex((m) => m.topic === sync);
    assert.ok(lastWork < firstBell, "every doorbell after the work it rings for");
    assert.deepEqual(
      sent
        .filter((m) => m.topic === work)
        .map((m) => [m.orderingKey, m.attributes[DEPLOYMENT_ATTRIBUTE], JSON.parse(m.data.toString()).origin]),
      [
        ["", "prod", "a"],
        ["", "staging", "b"],
        ["", "prod", "c"],
      ],
    );
    assert.deepEqual(
      sent
        .filter((m) => m.topic === sync)
        .map((m) => [m.orderingKey, m.data.length, m.attributes[DEPLOYMENT_ATTRIBUTE], m.attributes[DOORBELL_ATTRIBUTE]])
        .sort(),
      [
        ["prod", 0, "prod", "1"],
        ["staging", 0, "staging", "1"],
      ],
    );
  });

  it("with sharing groups: ONE doorbell per group, keyed by it and naming the Deployments it rang for; the work is unchanged", async () => {
    const sync = emu.createTopic("group-sync");
    const work = emu.createTopic("group-work");
    const groups = sharingGroups([
      { id: "staging", sources: ["gcp"] },
      { id: "prod", sources: ["gcp"] },
      { id: "dev", sources: ["team"] },
    ]);
    const queue = new PubSubSyncQueue(client, sync, work, groups);
    const mark = emu.published.length;
    await queue.enqueue([message("prod", "a"), message("staging", "b"), message("dev", "c")]);
    const sent = emu.published.slice(mark);
    assert.deepEqual(
      sent
        .filter((m) => m.topic === sync)
        .map((m) => [m.orderingKey, m.attributes[DEPLOYMENT_ATTRIBUTE], m.attributes[GROUP_ATTRIBUTE], m.attributes[DEPLOYMENTS_ATTRIBUTE]])
        .sort(),
      [
        ["dev", "dev", "dev", "dev"],
        // afsync-deployment names the first one, for a worker deployed before group doorbells.
        ["prod", "prod", "prod", "prod,staging"],
      ],
    );
    assert.deepEqual(
      sent.filter((m) => m.topic === work).map((m) => [m.orderingKey, m.attributes[DEPLOYMENT_ATTRIBUTE]]),
      [
        ["", "prod"],
        ["", "staging"],
        ["", "dev"],
      ],
    );
  });

  it("with sharing groups: a group whose ids overflow one attribute value (1,024 bytes) gets one doorbell per list that fits", async () => {
    const sync = emu.createTopic("group-sync-long");
    const work = emu.createTopic("group-work-long");
    const ids = Array.from({ length: 30 }, (_, i) => `deployment-with-a-long-id-${String(i).padStart(2, "0")}-${"x".repeat(40)}`);
    const queue = new PubSubSyncQueue(client, sync, work, sharingGroups(ids.map((id) => ({ id, sources: ["gcp"] }))));
    const mark = emu.published.length;
    await queue.enqueue(ids.map((id) => message(id, "a")));
    const bells = emu.published.slice(mark).filter((m) => m.topic === sync);
    assert.equal(bells.length, 3, "30 ids of 69 bytes: 14 + 14 + 2");
    assert.ok(bells.every((m) => m.orderingKey === ids[0] && Buffer.byteLength(m.attributes[DEPLOYMENTS_ATTRIBUTE] ?? "") <= 1024));
    assert.deepEqual(bells.flatMap((m) => (m.attributes[DEPLOYMENTS_ATTRIBUTE] ?? "").split(",")).sort(), ids);
  });

  it("with a work topic: a failed work publish throws before any doorbell rings", async () => {
    const sync = emu.createTopic("bell-sync-2");
    const queue = new PubSubSyncQueue(client, sync, `projects/${emu.projectId}/topics/bell-work-missing`);
    const mark = emu.published.length;
    await assert.rejects(queue.enqueue([message("prod", "z")]), RemoteCallError);
    assert.deepEqual(emu.published.slice(mark), []);
  });
});
