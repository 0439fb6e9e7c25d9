/**
 * The Pub/Sub emulator's Subscriber service, through the official generated client
 * (`v1.SubscriberClient`) over gRPC: Pull, Acknowledge and ModifyAckDeadline on a filtered pull
 * subscription, with the semantics afsync's GCP worker relies on (ADR 008).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PubSub, v1 } from "@google-cloud/pubsub";
import { PassThroughClient } from "google-auth-library";
import { parseAttributeFilter } from "../src/gcp/pubSubAttributeFilter.ts";
import { type PubSubEmulator, startPubSubEmulator } from "../src/gcp/startPubSubEmulator.ts";

let emu: PubSubEmulator;
let publisher: PubSub;
let subscriber: v1.SubscriberClient;

before(async () => {
  emu = await startPubSubEmulator();
  publisher = new PubSub({
    projectId: emu.projectId,
    apiEndpoint: emu.endpoint,
    emulatorMode: true,
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
  const { port, ...options } = publisher.options;
  subscriber = new v1.SubscriberClient({ ...options, port: Number(port) });
});
after(async () => {
  await subscriber?.close();
  await publisher?.close();
  await emu?.close();
});

const publish = (topic: string, deployment: string, data: string) =>
  publisher.topic(topic).publishMessage({ data: Buffer.from(data), attributes: { "afsync-deployment": deployment } });

describe("Pub/Sub emulator: synchronous pull", () => {
  it("delivers only what the filter matches, in pages, and forgets what is acknowledged", async () => {
    emu.createTopic("work-a");
    const prod = emu.pullSubscription({ topic: "work-a", name: "work-a-prod", filter: 'attributes.afsync-deployment = "prod"' });
    for (let i = 0; i < 5; i++) await publish("work-a", i % 2 === 0 ? "prod" : "staging", `m${i}`);
    assert.equal(prod.backlog, 3, "the staging messages are filtered out (acknowledged by the service)");

    const [first] = await subscriber.pull({ subscription: prod.name, maxMessages: 2, returnImmediately: true });
    const page = first.receivedMessages ?? [];
    assert.deepEqual(
      page.map((m) => Buffer.from(m.message?.data ?? "").toString()),
      ["m0", "m2"],
    );
    assert.equal(page[0]?.message?.attributes?.["afsync-deployment"], "prod");
    assert.ok(Number(page[0]?.message?.publishTime?.seconds) > 0, "publishTime is a Timestamp");
    const [second] = await subscriber.pull({ subscription: prod.name, maxMessages: 2, returnImmediately: true });
    assert.deepEqual(
      (second.receivedMessages ?? []).map((m) => Buffer.from(m.message?.data ?? "").toString()),
      ["m4"],
      "leased messages are not handed out twice",
    );
    await subscriber.acknowledge({ subscription: prod.name, ackIds: page.map((m) => m.ackId ?? "") });
    assert.equal(prod.backlog, 1);
    assert.equal(prod.acknowledged, 2);
  });

  it("ModifyAckDeadline 0 hands a message back at once, with a new ackId; the old one no longer acknowledges", async () => {
    emu.createTopic("work-b");
    const sub = emu.pullSubscription({ topic: "work-b", name: "work-b-prod", ackDeadlineSeconds: 600 });
    await publish("work-b", "prod", "again");
    const [first] = await subscriber.pull({ subscription: sub.name, maxMessages: 10, returnImmediately: true });
    const ackId = first.receivedMessages?.[0]?.ackId ?? "";
    const [leased] = await subscriber.pull({ subscription: sub.name, maxMessages: 10, returnImmediately: true });
    assert.equal(leased.receivedMessages?.length ?? 0, 0, "under lease for 600 s");
    await subscriber.modifyAckDeadline({ subscription: sub.name, ackIds: [ackId], ackDeadlineSeconds: 0 });
    const [again] = await subscriber.pull({ subscription: sub.name, maxMessages: 10, returnImmediately: true });
    const redelivered = again.receivedMessages?.[0];
    assert.equal(Buffer.from(redelivered?.message?.data ?? "").toString(), "again");
    assert.notEqual(redelivered?.ackId, ackId);
    await subscriber.acknowledge({ subscription: sub.name, ackIds: [ackId] });
    assert.equal(sub.backlog, 1, "a superseded ackId is ignored");
    await subscriber.acknowledge({ subscription: sub.name, ackIds: [redelivered?.ackId ?? ""] });
    assert.equal(sub.backlog, 0);
  });

  it("answers a missing subscription NOT_FOUND and a bad max_messages INVALID_ARGUMENT, as Pub/Sub does", async () => {
    const missing = `projects/${emu.projectId}/subscriptions/nope`;
    await assert.rejects(subscriber.pull({ subscription: missing, maxMessages: 1, returnImmediately: true }), { code: 5 });
    emu.createTopic("work-c");
    const sub = emu.pullSubscription({ topic: "work-c", name: "work-c-x" });
    await assert.rejects(subscriber.pull({ subscription: sub.name, maxMessages: 0, returnImmediately: true }), { code: 3 });
    assert.ok(emu.calls("Pull") >= 2);
  });

  it("parses the filter forms afsync writes and refuses the others", () => {
    const match = parseAttributeFilter('attributes.afsync-deployment = "prod" AND attributes:"odd key"');
    assert.equal(match({ "afsync-deployment": "prod", "odd key": "" }), true);
    assert.equal(match({ "afsync-deployment": "prod" }), false);
    assert.equal(parseAttributeFilter('attributes.a != "b"')({ a: "c" }), true);
    assert.throws(() => parseAttributeFilter('hasPrefix(attributes.a, "b")'), /unsupported subscription filter/);
  });
});
