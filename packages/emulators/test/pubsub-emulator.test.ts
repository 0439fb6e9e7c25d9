import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { PubSub } from "@google-cloud/pubsub";
import { PassThroughClient } from "google-auth-library";
import { pushRetryDelayMs } from "../src/gcp/PubSubPushSubscription.ts";
import { type PubSubEmulator, startPubSubEmulator } from "../src/gcp/startPubSubEmulator.ts";

let emu: PubSubEmulator;
let client: PubSub;
let server: Server;
let url: string;
/** Each received push: [ordering key, data, delivery attempt]; `answer` decides the status. */
const received: [string, string, number][] = [];
let answer: (data: string, attempt: number) => number = () => 204;
let inFlight = 0;
let maxInFlight = 0;

before(async () => {
  emu = await startPubSubEmulator();
  client = new PubSub({
    projectId: emu.projectId,
    apiEndpoint: emu.endpoint,
    emulatorMode: true,
    universeDomain: "googleapis.com",
    authClient: new PassThroughClient(),
  });
  server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const data = Buffer.from(body.message.data ?? "", "base64").toString("utf8");
    received.push([body.message.orderingKey ?? "", data, body.deliveryAttempt]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    // The poison message's first delivery waits for the other key's, so two keys are in flight together.
    for (let waited = 0; data === "poison" && body.deliveryAttempt === 1 && waited < 3000; waited += 5) {
      if (received.some(([, d]) => d === "other-key")) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    inFlight--;
    res.writeHead(answer(data, body.deliveryAttempt)).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
after(async () => {
  await client.close();
  await emu.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function reset(): void {
  received.length = 0;
  inFlight = 0;
  maxInFlight = 0;
}

describe("Pub/Sub emulator (official client over gRPC)", () => {
  it("refuses a publish to a topic that does not exist (NOT_FOUND)", async () => {
    await assert.rejects(client.topic("nowhere").publishMessage({ data: Buffer.from("x") }), /NOT_FOUND|not found/i);
  });

  it("creates a topic over gRPC and returns message ids from Publish", async () => {
    const [topic] = await client.createTopic("created-over-grpc");
    const id = await topic.publishMessage({ data: Buffer.from("hello"), attributes: { a: "1" } });
    assert.match(id, /^\d+$/);
    assert.equal(emu.published.at(-1)?.attributes.a, "1");
  });

  it("delivers one message per ordering key at a time, redelivering a nack before the key's next message", async () => {
    reset();
    emu.createTopic("ordered");
    const subscription = emu.pushTo({ topic: "ordered", url, retryDelayMs: 1 });
    answer = (data, attempt) => (data === "k1-first" && attempt === 1 ? 500 : 204);
    const topic = client.topic("ordered", { messageOrdering: true });
    await Promise.all(
      ["k1-first", "k1-second", "k1-third"].map((data) => topic.publishMessage({ data: Buffer.from(data), orderingKey: "k1" })),
    );
    await subscription.settled();
    subscription.stop();
    assert.deepEqual(received, [
      ["k1", "k1-first", 1],
      ["k1", "k1-first", 2],
      ["k1", "k1-second", 1],
      ["k1", "k1-third", 1],
    ]);
    assert.equal(maxInFlight, 1);
  });

  it("delivers different keys side by side, and dead-letters a message after the policy's attempts", async () => {
    reset();
    emu.createTopic("parallel");
    const subscription = emu.pushTo({ topic: "parallel", url, retryDelayMs: 1, maxDeliveryAttempts: 3 });
    answer = (data) => (data === "poison" ? 500 : 204);
    const topic = client.topic("parallel", { messageOrdering: true });
    await Promise.all([
      topic.publishMessage({ data: Buffer.from("poison"), orderingKey: "a" }),
      topic.publishMessage({ data: Buffer.from("after-poison"), orderingKey: "a" }),
      topic.publishMessage({ data: Buffer.from("other-key"), orderingKey: "b" }),
    ]);
    await subscription.settled();
    subscription.stop();
    assert.deepEqual(
      subscription.deadLettered.map((m) => m.data.toString("utf8")),
      ["poison"],
    );
    assert.equal(received.filter(([, data]) => data === "poison").length, 3);
    assert.ok(
      received.some(([, data]) => data === "after-poison"),
      "the key moves on after dead-lettering",
    );
    assert.equal(maxInFlight, 2, "keys a and b were delivered at the same time");
  });

  it("backs redeliveries off exponentially up to the retry policy's maximum_backoff, or waits the same each time without one", () => {
    const policy = { retryDelayMs: 100, maxRetryDelayMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => pushRetryDelayMs(policy, attempt)),
      [100, 200, 400, 800, 1000, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((attempt) => pushRetryDelayMs({ retryDelayMs: 7 }, attempt)),
      [7, 7, 7],
    );
  });
});
