/**
 * ADR 005's proof: with the worker behind an ordered push subscription of the worker topic (one
 * ordering key per Deployment), two changes for one Deployment are never applied at once, while
 * different Deployments are. The messages come from the real reconcile function (two firings →
 * two `full` messages per Deployment) through the official Pub/Sub client; the applies are the
 * real engine against the Airflow emulators, watched by a spy around the engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { PubSubPushSubscription } from "@afsync/emulators/gcp/startPubSubEmulator";
import { type GcpFunctionWorld, startGcpFunctionWorld } from "./support/gcpFunctionWorld.ts";

interface Apply {
  readonly deployment: string;
  readonly seq: number;
  /** The other applies running when this one started. */
  readonly overlapping: string[];
}

let world: GcpFunctionWorld;
const running = new Map<number, string>();
const applies: Apply[] = [];
let seq = 0;
/** Resolves when a `staging` apply has started; `prod`'s first apply waits for it (or gives up). */
let stagingStarted: () => void = () => {};
let stagingHasStarted = new Promise<void>((resolve) => {
  stagingStarted = resolve;
});

function resetWatch(): void {
  applies.length = 0;
  stagingHasStarted = new Promise<void>((resolve) => {
    stagingStarted = resolve;
  });
}

before(async () => {
  world = await startGcpFunctionWorld({
    decorateWorker: (deps) => ({
      ...deps,
      engine: {
        async sync(bindings, trigger) {
          const deployment = bindings[0]?.id ?? "?";
          const id = ++seq;
          applies.push({ deployment, seq: id, overlapping: [...running.values()] });
          running.set(id, deployment);
          try {
            if (deployment === "staging") stagingStarted();
            // Hold every prod apply until staging runs too: if Deployments were serialized
            // together this would time out with no overlap; if one key's messages overlapped,
            // the second prod apply would start inside this window.
            if (deployment === "prod") await Promise.race([stagingHasStarted, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
            return await deps.engine.sync(bindings, trigger);
          } finally {
            running.delete(id);
          }
        },
      },
    }),
  });
});
after(async () => {
  await world?.close();
});

async function fireReconcile(times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await fetch(world.urls.reconcile, {
      method: "POST",
      headers: { authorization: world.authorization(), "x-cloudscheduler-scheduletime": `2026-11-30T22:0${i}:00Z` },
    });
    assert.equal(response.status, 202, await response.text());
  }
}

async function runThrough(subscription: PubSubPushSubscription): Promise<void> {
  await fireReconcile(2);
  await subscription.settled();
  subscription.stop();
  assert.deepEqual(subscription.deadLettered, []);
}

describe("per-Deployment serialization on the ordered worker subscription", () => {
  it("publishes with the Deployment as ordering key", async () => {
    const before = world.pubsub.published.length;
    await fireReconcile(1);
    const published = world.pubsub.published.slice(before);
    assert.deepEqual(published.map((m) => m.orderingKey).sort(), ["prod", "staging"]);
    assert.deepEqual(
      published.map((m) => JSON.parse(m.data.toString("utf8")).trigger),
      [{ kind: "full" }, { kind: "full" }],
    );
  });

  it("never overlaps two applies of one Deployment, and runs two Deployments side by side", async () => {
    resetWatch();
    const subscription = world.pubsub.pushTo({ topic: world.topics.sync, url: world.urls.worker, authorization: world.authorization });
    await runThrough(subscription);
    assert.equal(applies.filter((a) => a.deployment === "prod").length, 2);
    assert.equal(applies.filter((a) => a.deployment === "staging").length, 2);
    for (const apply of applies)
      assert.ok(
        !apply.overlapping.includes(apply.deployment),
        `apply #${apply.seq} of ${apply.deployment} started while another was running`,
      );
    assert.ok(
      applies.some((a) => a.overlapping.length > 0),
      "prod and staging were applied at the same time at least once",
    );
    assert.ok(subscription.attempts.every((a) => a.acked));
  });

  it("control: without message ordering the same two prod messages are applied at once", async () => {
    resetWatch();
    // No staging apply ever releases prod here, so both prod applies sit in the window together.
    const subscription = world.pubsub.pushTo({
      topic: world.topics.sync,
      url: world.urls.worker,
      authorization: world.authorization,
      ordered: false,
    });
    stagingStarted = () => {};
    await runThrough(subscription);
    assert.ok(
      applies.some((a) => a.deployment === "prod" && a.overlapping.includes("prod")),
      "the check above would catch an overlap",
    );
  });
});
