/**
 * Issue 14 on GCP, ADR 012: a source shared by several Deployments is read once per run, on
 * every path. Through the function app's real handlers (functions-framework's test server) and
 * the official clients over gRPC against the emulators: 10 Deployments read the Secret Manager
 * source `gcp` (one sharing group, key `prod`, its smallest id), 2 more read `team` (group
 * `team-a`). A producer call rings each group it enqueued work for once, keyed by the group; the
 * ordered push subscription hands a group's doorbells to the worker one at a time; a doorbell
 * pulls every subscription of the group and runs the engine ONCE for all of it.
 * Counts come from the emulators (Secret Manager's calls per method, Pub/Sub's publishes) and a
 * spy around the real engine; the targets are the Airflow 3 API emulators.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deliverNotification } from "@afsync/emulators/gcp/deliverNotification";
import type { PubSubPushSubscription } from "@afsync/emulators/gcp/startPubSubEmulator";
import { encodeSyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { createPubSubClient } from "../functions/gcp/src/queue/createPubSubClient.ts";
import {
  AIRFLOW_PASSWORD,
  type GcpFunctionWorld,
  HMAC_KEY,
  startGcpFunctionWorld,
  TEAM_PREFIXES,
} from "../functions/gcp/test/support/gcpFunctionWorld.ts";
import { adminClient } from "../packages/gcp/test/adminClient.ts";

const SHARED = ["prod", "staging", ...Array.from({ length: 8 }, (_, i) => `shared-0${i + 1}`)];
const TEAM = ["team-a", "team-b"];
/** The secrets of `gcp` (three) and `team` (one). */
const GCP_SECRETS = {
  "airflow-connections-orders_db": "postgresql://app:orders-pw-81c2@db:5432/o",
  "airflow-variables-region": "eu-5d1e",
  "airflow-variables-tier": "gold-0a7b",
};
const TEAM_SECRET = `${TEAM_PREFIXES.variables}-owner`;
const TEAM_VALUE = "team-owner-4f9e";

interface Run {
  readonly deployments: readonly string[];
  /** Deployments of other runs in flight when this one started. */
  readonly overlapping: readonly string[];
}

let world: GcpFunctionWorld;
let admin: SecretManagerServiceClient;
const runs: Run[] = [];
const running = new Map<number, readonly string[]>();
const handedBack: string[] = [];
let teamStarted: () => void = () => {};
let teamHasStarted = Promise.resolve();
let sharedStarted: () => void = () => {};
let sharedHasStarted = Promise.resolve();

before(async () => {
  world = await startGcpFunctionWorld({
    coalescing: true,
    deployments: Object.fromEntries([...SHARED.slice(2).map((id) => [id, ["gcp"]]), ...TEAM.map((id) => [id, ["team"]])]),
    decorateWorker: (deps) => ({
      ...deps,
      engine: {
        async sync(bindings, trigger) {
          const ids = bindings.map((b) => b.id);
          const id = runs.length;
          runs.push({ deployments: ids, overlapping: [...running.values()].flat() });
          running.set(id, ids);
          try {
            if (ids.includes("team-a")) teamStarted();
            if (ids.includes("prod")) sharedStarted();
            // Each group's run waits (at most 3 s) for the other's to start: two groups are
            // serialized apart, so both runs are in flight together; one key for both would time out.
            const other = ids.includes("prod") ? teamHasStarted : ids.includes("team-a") ? sharedHasStarted : Promise.resolve();
            await Promise.race([other, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
            return await deps.engine.sync(bindings, trigger);
          } finally {
            running.delete(id);
          }
        },
      },
      // A spy over the real subscriptions adapter: which Deployment's subscription got work handed back.
      ...(deps.workSubscriptions === undefined
        ? {}
        : {
            workSubscriptions: {
              pull: (d, max) => deps.workSubscriptions?.pull(d, max) ?? Promise.resolve([]),
              acknowledge: (d, ackIds) => deps.workSubscriptions?.acknowledge(d, ackIds) ?? Promise.resolve(),
              handBack: (d, ackIds) => {
                handedBack.push(d);
                return deps.workSubscriptions?.handBack(d, ackIds) ?? Promise.resolve();
              },
            },
          }),
    }),
  });
  admin = adminClient(world.secretManager);
  const parent = `projects/${world.secretManager.project.id}`;
  for (const [secretId, value] of [...Object.entries(GCP_SECRETS), [TEAM_SECRET, TEAM_VALUE]] as const) {
    await admin.createSecret({
      parent,
      secretId,
      secret: { replication: { automatic: {} }, topics: [{ name: world.topics.notifications }] },
    });
    await admin.addSecretVersion({ parent: `${parent}/secrets/${secretId}`, payload: { data: Buffer.from(value) } });
  }
  world.secretManager.clearNotifications();
});
after(async () => {
  await admin?.close();
  await world?.close();
});

const airflowOf = (id: string) => (id === "prod" || id === "staging" ? world.airflow[id] : world.more[id]);

function resetWatch(): void {
  runs.length = 0;
  handedBack.length = 0;
  teamHasStarted = new Promise<void>((resolve) => {
    teamStarted = resolve;
  });
  sharedHasStarted = new Promise<void>((resolve) => {
    sharedStarted = resolve;
  });
}

/** The sync topic's ordered push subscription to `worker`, held until `publish` is done (the window's end), then drained. */
async function doorbellsAfter(publish: () => Promise<void>): Promise<PubSubPushSubscription> {
  const doorbells = await world.drainDoorbellsAfter(publish, () => world.secretManager.resetCalls());
  assert.deepEqual(doorbells.deadLettered, []);
  return doorbells;
}

async function fireReconcile(): Promise<void> {
  const response = await fetch(world.urls.reconcile, { method: "POST", headers: { authorization: world.authorization() } });
  assert.equal(response.status, 202);
  await response.arrayBuffer();
}

const runsOf = (id: string) => runs.filter((r) => r.deployments.includes(id));

describe("GCP sharing groups (doorbells keyed by group → one engine run per group)", () => {
  it("a reconciliation of 10 Deployments sharing a source: 1 engine run, 1 ListSecrets, 1 AccessSecretVersion per secret", async () => {
    resetWatch();
    const mark = world.pubsub.published.length;
    const doorbells = await doorbellsAfter(fireReconcile);

    const rung = world.pubsub.published.slice(mark).filter((m) => m.topic === world.topics.sync);
    assert.deepEqual(
      rung.map((m) => [m.orderingKey, m.attributes["afsync-group"], (m.attributes["afsync-deployments"] ?? "").split(",").sort()]).sort(),
      [
        ["prod", "prod", [...SHARED].sort()],
        ["team-a", "team-a", TEAM],
      ],
      "one doorbell per sharing group, keyed by it, naming the Deployments it rang for",
    );
    assert.equal(doorbells.attempts.length, 2);
    assert.ok(doorbells.attempts.every((a) => a.acked));

    assert.deepEqual(
      runsOf("prod").map((r) => [...r.deployments].sort()),
      [[...SHARED].sort()],
      "one engine run for the 10",
    );
    assert.deepEqual(
      runsOf("team-a").map((r) => [...r.deployments].sort()),
      [TEAM],
      "one for the team group",
    );
    // Each source read once: one listing and one access per secret (a full run reads every value).
    assert.equal(world.secretManager.calls("ListSecrets"), 2, "one per source");
    assert.equal(world.secretManager.calls("AccessSecretVersion"), Object.keys(GCP_SECRETS).length + 1);
    for (const id of SHARED) {
      assert.equal(airflowOf(id)?.state.variables.get("region")?.value, GCP_SECRETS["airflow-variables-region"], `${id} converged`);
      assert.equal(airflowOf(id)?.state.connections.get("orders_db")?.password, "orders-pw-81c2");
      assert.equal(world.workSubscriptions[id]?.backlog, 0);
    }
    for (const id of TEAM) assert.equal(airflowOf(id)?.state.variables.get("owner")?.value, TEAM_VALUE);

    const folded = world.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === "group doorbell: work folded into one run");
    assert.equal(folded.length, 2, "each group's doorbell folds its group");
    assert.ok(folded.some((l) => l.group === "prod" && l.pulled === 10 && Array.isArray(l.folded) && l.folded.length === 10));
  });

  it("two groups run side by side; no Deployment's runs ever overlap", () => {
    const shared = runsOf("prod")[0];
    const team = runsOf("team-a")[0];
    assert.ok(shared !== undefined && team !== undefined);
    assert.ok(
      shared.overlapping.some((d) => TEAM.includes(d)) || team.overlapping.some((d) => SHARED.includes(d)),
      "the team group's run was in flight during the shared group's",
    );
    for (const run of runs) assert.ok(!run.deployments.some((d) => run.overlapping.includes(d)), JSON.stringify(run));
  });

  it("a burst of events on a shared secret: 1 engine run, no listing, AccessSecretVersion for the changed secret only", async () => {
    resetWatch();
    const parent = `projects/${world.secretManager.project.id}`;
    world.secretManager.clearNotifications();
    for (let v = 1; v <= 20; v++)
      await admin.addSecretVersion({
        parent: `${parent}/secrets/airflow-variables-tier`,
        payload: { data: Buffer.from(`tier-${v}-c3d8`) },
      });
    const notifications = [...world.secretManager.notifications];
    world.secretManager.clearNotifications();
    const mark = world.pubsub.published.length;
    const doorbells = await doorbellsAfter(async () => {
      for (const n of notifications)
        assert.ok((await deliverNotification(n, { url: world.urls.push, shape: "push", authorization: world.authorization })).acked);
    });
    const rung = world.pubsub.published.slice(mark).filter((m) => m.topic === world.topics.sync);
    assert.equal(notifications.length, 20);
    assert.equal(rung.length, 20, "one doorbell per producer call, not one per Deployment (200)");
    assert.ok(rung.every((m) => m.orderingKey === "prod" && m.attributes["afsync-deployments"]?.split(",").length === 10));
    assert.equal(doorbells.attempts.length, 20);
    assert.deepEqual(
      runsOf("prod").map((r) => r.deployments.length),
      [10],
      "one run for the 10 Deployments' 200 work messages",
    );
    assert.equal(runsOf("team-a").length, 0, "the team group is not rung");
    assert.equal(world.secretManager.calls("ListSecrets"), 0);
    // The changed secret only, read once for the 10 (the burst's 20 versions fold into one hint of it).
    assert.equal(world.secretManager.calls("AccessSecretVersion"), 1);
    for (const id of SHARED) assert.equal(airflowOf(id)?.state.variables.get("tier")?.value, "tier-20-c3d8");
  });

  it("a failing member hands back its own work and the group doorbell is redelivered; the member converges, nothing is lost", async () => {
    resetWatch();
    await admin.addSecretVersion({
      parent: `projects/${world.secretManager.project.id}/secrets/airflow-variables-region`,
      payload: { data: Buffer.from("us-77b0") },
    });
    world.more["shared-03"]?.inject({ status: 500, times: 1, operationId: "get_connections" });
    const doorbells = await doorbellsAfter(fireReconcile);
    assert.deepEqual(handedBack, ["shared-03"], "the failed Deployment's work only, on its own subscription");
    const shared = runsOf("prod")
      .concat(runsOf("shared-03"))
      .filter((r, i, all) => all.indexOf(r) === i);
    assert.equal(shared.length, 2, "the group's run, then the redelivered doorbell's run");
    assert.equal(shared[0]?.deployments.length, 10);
    assert.deepEqual(shared[1]?.deployments, ["shared-03"], "the redelivery finds only the failed member's work");
    assert.deepEqual(
      doorbells.attempts.filter((a) => a.orderingKey === "prod").map((a) => a.acked),
      [false, true],
      "the group doorbell answered 500 once, then acknowledged",
    );
    for (const id of [...SHARED, ...TEAM]) assert.equal(world.workSubscriptions[id]?.backlog, 0, `${id}'s work all acknowledged`);
    for (const id of SHARED) assert.equal(airflowOf(id)?.state.variables.get("region")?.value, "us-77b0", `${id} converged`);
  });

  it("a doorbell in the old per-Deployment shape (a producer deployed before group doorbells) is still folded", async () => {
    resetWatch();
    await admin.addSecretVersion({
      parent: `projects/${world.secretManager.project.id}/secrets/airflow-variables-region`,
      payload: { data: Buffer.from("eu-0ld5") },
    });
    // What a producer deployed before group doorbells publishes: the work, then one doorbell per
    // Deployment with no afsync-deployments (the official client, as that producer used it).
    const client = createPubSubClient(world.pubsub.projectId, world.pubsub.endpoint);
    try {
      const doorbells = await doorbellsAfter(async () => {
        const work = client.topic(world.topics.work ?? assert.fail("coalescing world has a work topic"));
        for (const deployment of SHARED)
          await work.publishMessage({
            data: Buffer.from(encodeSyncMessage({ v: 1, deployment, trigger: { kind: "full" }, origin: "old-producer" })),
            attributes: { "afsync-deployment": deployment, "afsync-origin": "old-producer" },
          });
        const sync = client.topic(world.topics.sync, { messageOrdering: true });
        for (const deployment of SHARED)
          await sync.publishMessage({
            orderingKey: "prod",
            attributes: { "afsync-deployment": deployment, "afsync-group": "prod", "afsync-doorbell": "1" },
          });
      });
      assert.equal(doorbells.attempts.length, 10);
      assert.ok(doorbells.attempts.every((a) => a.acked));
    } finally {
      await client.close();
    }
    assert.deepEqual(
      runsOf("prod").map((r) => r.deployments.length),
      [10],
      "the first old doorbell folds the group, the other 9 find nothing",
    );
    for (const id of SHARED) assert.equal(airflowOf(id)?.state.variables.get("region")?.value, "eu-0ld5", `${id} converged`);
  });

  it("no secret value reached a log line or a published message", () => {
    assertNoSecretLeak(
      [...world.logLines, ...world.pubsub.published.map((m) => m.data.toString("utf8"))],
      [AIRFLOW_PASSWORD, HMAC_KEY, TEAM_VALUE, "orders-pw-81c2", "eu-5d1e", "gold-0a7b", "tier-20-c3d8", "us-77b0", "eu-0ld5"],
    );
  });
});
