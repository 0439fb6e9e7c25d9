/**
 * The worker's doorbell path (ADR 008) through functions-framework's test server: the batching
 * window is waited out from the doorbell's publishTime (through the injected sleep, so nothing
 * here depends on timing), a doorbell with nothing waiting runs nothing, and a body that claims
 * to be a doorbell without naming its Deployment is refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type GcpFunctionWorld, startGcpFunctionWorld } from "./support/gcpFunctionWorld.ts";

const WINDOW_SECONDS = 60;
const sleeps: number[] = [];
let world: GcpFunctionWorld;

before(async () => {
  world = await startGcpFunctionWorld({
    coalescing: true,
    env: { AFSYNC_BATCHING_WINDOW_SECONDS: String(WINDOW_SECONDS) },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
});
after(async () => {
  await world?.close();
});

const engineRuns = () => world.logLines.filter((l) => l.includes('"message":"sync done"')).length;

async function postToWorker(body: unknown): Promise<number> {
  const response = await fetch(world.urls.worker, {
    method: "POST",
    headers: { authorization: world.authorization(), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe("worker: doorbells", () => {
  it("waits out the batching window from the doorbell's publish time, then folds the Deployment's work", async () => {
    const doorbells = world.pubsub.pushTo({ topic: world.topics.sync, url: world.urls.worker, authorization: world.authorization });
    const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(response.status, 202);
    await response.arrayBuffer();
    await doorbells.settled();
    doorbells.stop();
    assert.equal(doorbells.attempts.length, 1, "prod and staging share a source: one doorbell for their group (ADR 012)");
    assert.ok(doorbells.attempts.every((a) => a.acked));
    // One wait per doorbell, what is left of the window: more than none, at most the whole window.
    assert.equal(sleeps.length, 1);
    assert.ok(
      sleeps.every((ms) => ms > 0 && ms <= WINDOW_SECONDS * 1000),
      JSON.stringify(sleeps),
    );
    assert.equal(engineRuns(), 2, "one full sync per Deployment");
    const folds = world.logLines.filter((l) => l.includes("group doorbell: work folded into one run"));
    assert.equal(folds.length, 1, "the group's doorbell folds both into one run");
    assert.match(folds[0] ?? "", /"group":"prod","deployments":\["prod","staging"\].*"pulled":2/);
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
    assert.equal(world.workSubscriptions.staging?.backlog, 0);
  });

  it("a doorbell ordered under another key than this config's group (an older producer's) folds its own Deployment only", async () => {
    const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(response.status, 202);
    await response.arrayBuffer();
    const runs = engineRuns();
    // Keyed by its Deployment, as before sharing groups: serialized with staging's old key only.
    const bell = (deployment: string, group?: string) => ({
      message: {
        attributes: { "afsync-deployment": deployment, "afsync-doorbell": "1", ...(group === undefined ? {} : { "afsync-group": group }) },
        messageId: `bell-${deployment}-${group ?? "none"}`,
        publishTime: "2020-01-01T00:00:00Z",
        orderingKey: group ?? deployment,
      },
      subscription: "projects/p/subscriptions/afsync-sync-worker",
    });
    assert.equal(await postToWorker(bell("staging")), 204);
    assert.equal(engineRuns(), runs + 1, "staging alone");
    assert.equal(world.workSubscriptions.staging?.backlog, 0);
    assert.equal(world.workSubscriptions.prod?.backlog, 1, "prod's work is left to a doorbell under the group's key");
    assert.ok(world.logLines.some((l) => l.includes("ordered under another key") && l.includes('"configGroup":"prod"')));
    assert.equal(await postToWorker(bell("prod", "prod")), 204);
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
  });

  it("acknowledges a doorbell whose pull finds nothing, without a run; a window long past is not waited for", async () => {
    const runs = engineRuns();
    const waits = sleeps.length;
    const status = await postToWorker({
      message: {
        attributes: { "afsync-deployment": "prod", "afsync-doorbell": "1" },
        messageId: "bell-1",
        publishTime: "2020-01-01T00:00:00Z",
        orderingKey: "prod",
      },
      subscription: "projects/p/subscriptions/afsync-sync-worker",
    });
    assert.equal(status, 204);
    assert.equal(engineRuns(), runs);
    assert.equal(sleeps.length, waits);
    assert.ok(world.logLines.some((l) => l.includes("doorbell: nothing waiting") && l.includes("bell-1")));
  });

  it("answers 500 to a doorbell for a Deployment the config does not know (no work subscription), running nothing", async () => {
    const runs = engineRuns();
    const status = await postToWorker({
      message: { attributes: { "afsync-deployment": "ghost", "afsync-group": "ghost", "afsync-doorbell": "1" }, messageId: "bell-ghost" },
      subscription: "projects/p/subscriptions/afsync-sync-worker",
    });
    assert.equal(status, 500, "redelivered, then dead-lettered where it stays visible");
    assert.equal(engineRuns(), runs);
    assert.ok(world.logLines.some((l) => l.includes("could not be pulled or acknowledged") && l.includes('"deployment":"ghost"')));
  });

  const groupBell = (group: string, deployments: string, id: string) => ({
    message: {
      attributes: {
        "afsync-deployment": deployments.split(",")[0] ?? "",
        "afsync-deployments": deployments,
        "afsync-group": group,
        "afsync-doorbell": "1",
      },
      messageId: id,
      publishTime: "2020-01-01T00:00:00Z",
      orderingKey: group,
    },
    subscription: "projects/p/subscriptions/afsync-sync-worker",
  });

  it("a group doorbell folds every member this config computes for its group, even one the doorbell does not name", async () => {
    const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(response.status, 202);
    await response.arrayBuffer();
    const runs = engineRuns();
    // An older producer config rang prod alone; this config's group prod also holds staging.
    assert.equal(await postToWorker(groupBell("prod", "prod", "gbell-config-change")), 204);
    assert.equal(engineRuns(), runs + 2, "a sync of each, prod and staging");
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
    assert.equal(world.workSubscriptions.staging?.backlog, 0, "staging folded as this config's member");
  });

  it("a group doorbell under a group id this config does not know folds the Deployments it names", async () => {
    const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(response.status, 202);
    await response.arrayBuffer();
    const runs = engineRuns();
    // A newer producer config whose group is keyed "a-new-first" (a Deployment this worker's config lacks yet).
    assert.equal(await postToWorker(groupBell("a-new-first", "staging", "gbell-unknown-group")), 204);
    assert.equal(engineRuns(), runs + 1);
    assert.equal(world.workSubscriptions.staging?.backlog, 0);
    assert.equal(world.workSubscriptions.prod?.backlog, 1, "prod is not named and not in that group here: left to its own doorbell");
    assert.ok(world.logLines.some((l) => l.includes("names Deployments outside") && l.includes("gbell-unknown-group")));
    assert.equal(await postToWorker(groupBell("prod", "prod", "gbell-prod")), 204);
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
  });

  it("a group doorbell whose named Deployment has no work subscription here: 500, the members' work folded all the same", async () => {
    const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
    assert.equal(response.status, 202);
    await response.arrayBuffer();
    const runs = engineRuns();
    assert.equal(await postToWorker(groupBell("prod", "prod,ghost", "gbell-ghost")), 500, "redelivered, then dead-lettered: never dropped");
    assert.equal(engineRuns(), runs + 2);
    assert.equal(world.workSubscriptions.prod?.backlog, 0);
    assert.equal(world.workSubscriptions.staging?.backlog, 0);
    assert.ok(world.logLines.some((l) => l.includes("group doorbell: work folded") && l.includes('"unpulled":["ghost"]')));
    const ghostOnly = await postToWorker(groupBell("ghost", "ghost", "gbell-ghost-only"));
    assert.equal(ghostOnly, 500, "no member known: nothing to run, redelivered");
    assert.equal(engineRuns(), runs + 2);
  });

  it("a group doorbell with nothing waiting anywhere: 204 without a run", async () => {
    const runs = engineRuns();
    assert.equal(await postToWorker(groupBell("prod", "prod,staging", "gbell-empty")), 204);
    assert.equal(engineRuns(), runs);
    assert.ok(world.logLines.some((l) => l.includes("group doorbell: nothing waiting") && l.includes("gbell-empty")));
  });

  it("refuses a doorbell that names no Deployment (400), running nothing", async () => {
    const runs = engineRuns();
    const status = await postToWorker({ message: { attributes: { "afsync-doorbell": "1" }, messageId: "bell-2" }, subscription: "s" });
    assert.equal(status, 400);
    assert.equal(engineRuns(), runs);
  });
});
