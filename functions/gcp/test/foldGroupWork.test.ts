/**
 * `foldGroupWork` over the real work subscriptions (official `v1.SubscriberClient` → the
 * Pub/Sub emulator's Pull, Acknowledge and ModifyAckDeadline), with an engine that records what
 * it is asked to run: pages while they come back full, one run for everything pulled, what
 * succeeded acknowledged, what failed handed back at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { type PubSubEmulator, type PubSubPullSubscription, startPubSubEmulator } from "@afsync/emulators/gcp/startPubSubEmulator";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import type { WorkerDeps } from "@afsync/runtime/worker/runWorkerBatch";
import type { PubSub, v1 } from "@google-cloud/pubsub";
import { createPubSubClient, createSubscriberClient } from "../src/queue/createPubSubClient.ts";
import { foldEveryMember, foldGroupWork, MEMBER_PULLS_AT_ONCE } from "../src/queue/foldGroupWork.ts";
import { PubSubSyncQueue } from "../src/queue/PubSubSyncQueue.ts";
import { type DeploymentWorkSubscriptions, PubSubWorkSubscriptions } from "../src/queue/PubSubWorkSubscriptions.ts";

let emu: PubSubEmulator;
let publisher: PubSub;
let subscriber: v1.SubscriberClient;
let queue: PubSubSyncQueue;
let prod: PubSubPullSubscription;
let staging: PubSubPullSubscription;
let subscriptions: PubSubWorkSubscriptions;

const hint = (n: number): SyncMessage => ({
  v: 1,
  deployment: "prod",
  trigger: { kind: "hints", hints: [{ provider: "gcp", sourceId: "gcp", secretId: `airflow-variables-v${n}`, action: "upsert" }] },
  origin: `event:${n}`,
});

/** Records each run; `fail` makes the runs report every Deployment failed, or those it names. */
function recordingDeps(runs: Trigger[], fail: boolean | readonly string[] = false, ran: string[][] = []): WorkerDeps {
  const fails = (id: string) => fail === true || (Array.isArray(fail) && fail.includes(id));
  return {
    bindings: [{ id: "prod" } as DeploymentBinding, { id: "staging" } as DeploymentBinding],
    logger: createJsonLineLogger({ write: () => {} }),
    engine: {
      async sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> {
        runs.push(trigger);
        ran.push(bindings.map((b) => b.id));
        const counts = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, orphaned: 0, invalid: 0, shadowed: 0 };
        return {
          mode: "sync",
          deployments: bindings.map((b) => ({
            id: b.id,
            target: "recorded",
            status: fails(b.id) ? ("failed" as const) : ("ok" as const),
            changes: [],
            writes: 0,
            ...(fails(b.id) ? { error: "target down" } : {}),
          })),
          summary: { ...counts, deployments: bindings.length, failed: bindings.filter((b) => fails(b.id)).length, writes: 0, reads: 0 },
        };
      },
    },
  };
}

before(async () => {
  emu = await startPubSubEmulator();
  publisher = createPubSubClient(emu.projectId, emu.endpoint);
  subscriber = createSubscriberClient(emu.projectId, emu.endpoint);
  const sync = emu.createTopic("fold-sync");
  const work = emu.createTopic("fold-work");
  prod = emu.pullSubscription({
    topic: work,
    name: "fold-work-prod",
    filter: 'attributes.afsync-deployment = "prod"',
    ackDeadlineSeconds: 600,
  });
  staging = emu.pullSubscription({ topic: work, name: "fold-work-staging", filter: 'attributes.afsync-deployment = "staging"' });
  queue = new PubSubSyncQueue(publisher, sync, work);
  subscriptions = new PubSubWorkSubscriptions(subscriber, `projects/${emu.projectId}/subscriptions/fold-work-`);
});
after(async () => {
  await subscriber?.close();
  await publisher?.close();
  await emu?.close();
});

const nothing = { pulled: 0, handedBack: 0, rungHandedBack: 0, folded: [], unpulled: [] };
const alone = ["prod"];

describe("foldGroupWork (Pub/Sub emulator, official Subscriber client)", () => {
  it("pulls page after full page up to the cap, runs the engine once for all of it and acknowledges it", async () => {
    await queue.enqueue(Array.from({ length: 10 }, (_, i) => hint(i)));
    await queue.enqueue([{ ...hint(99), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const pullsBefore = emu.calls("Pull");
    const outcome = await foldGroupWork("prod", alone, subscriptions, recordingDeps(runs), { pullSize: 3, maxMessages: 7 });
    assert.deepEqual(outcome, { pulled: 7, handedBack: 0, rungHandedBack: 0, folded: ["prod"], unpulled: [] });
    assert.equal(emu.calls("Pull") - pullsBefore, 3, "3 + 3 + 1: the cap ends the fold");
    assert.equal(runs.length, 1, "one engine run");
    assert.equal(runs[0]?.kind === "hints" ? runs[0].hints.length : -1, 7, "the run carries every pulled hint");
    assert.equal(prod.backlog, 3, "the 7 are acknowledged; 3 wait for the next doorbell (staging's never reach prod)");
  });

  it("a short page ends the fold; a doorbell with nothing waiting runs nothing", async () => {
    const runs: Trigger[] = [];
    assert.deepEqual(await foldGroupWork("prod", alone, subscriptions, recordingDeps(runs), { pullSize: 5, maxMessages: 100 }), {
      pulled: 3,
      handedBack: 0,
      rungHandedBack: 0,
      folded: ["prod"],
      unpulled: [],
    });
    assert.deepEqual(await foldGroupWork("prod", alone, subscriptions, recordingDeps(runs)), nothing);
    assert.equal(runs.length, 1);
    assert.equal(prod.backlog, 0);
  });

  it("a failed run hands its work back at once (ModifyAckDeadline 0, although the lease is 600 s): the next fold takes it again", async () => {
    await queue.enqueue([hint(1), hint(2)]);
    const runs: Trigger[] = [];
    assert.deepEqual(await foldGroupWork("prod", alone, subscriptions, recordingDeps(runs, true)), {
      pulled: 2,
      handedBack: 2,
      rungHandedBack: 2,
      folded: ["prod"],
      unpulled: [],
    });
    assert.equal(prod.backlog, 2);
    assert.deepEqual((await foldGroupWork("prod", alone, subscriptions, recordingDeps(runs))).handedBack, 0);
    assert.equal(prod.backlog, 0);
    assert.equal(runs.length, 2);
  });

  it("folds the group's other subscriptions into the same single run, only once the rung Deployment has work", async () => {
    await queue.enqueue([{ ...hint(3), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const ran: string[][] = [];
    const group = ["prod", "staging"];
    assert.deepEqual(
      await foldGroupWork("prod", group, subscriptions, recordingDeps(runs, false, ran)),
      nothing,
      "prod has nothing: no run",
    );
    assert.equal(staging.backlog, 2, "staging's work (this and the first test's) waits for staging's own doorbell");
    await queue.enqueue([hint(4), hint(5)]);
    assert.deepEqual(await foldGroupWork("prod", group, subscriptions, recordingDeps(runs, false, ran)), {
      pulled: 4,
      handedBack: 0,
      rungHandedBack: 0,
      folded: ["prod", "staging"],
      unpulled: [],
    });
    assert.deepEqual(ran, [["prod", "staging"]], "one engine run for both Deployments");
    assert.equal(prod.backlog + staging.backlog, 0, "each acknowledged on its own subscription");
  });

  it("hands back only the failed Deployment's work, on its own subscription", async () => {
    await queue.enqueue([hint(6), { ...hint(7), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const outcome = await foldGroupWork("prod", ["prod", "staging"], subscriptions, recordingDeps(runs, ["staging"]));
    assert.deepEqual(outcome, { pulled: 2, handedBack: 1, rungHandedBack: 0, folded: ["prod", "staging"], unpulled: [] });
    assert.equal(prod.backlog, 0);
    assert.equal(staging.backlog, 1, "staging's message is back, pullable at once");
    assert.equal((await foldGroupWork("staging", ["prod", "staging"], subscriptions, recordingDeps(runs))).pulled, 1);
    assert.equal(staging.backlog, 0);
  });

  it("a member whose Pull fails is left out; the rest of the group still runs", async () => {
    await queue.enqueue([hint(8)]);
    const runs: Trigger[] = [];
    // No subscription for `missing` (NOT_FOUND), as for a Deployment added before its terraform apply.
    const outcome = await foldGroupWork("prod", ["missing", "prod", "staging"], subscriptions, recordingDeps(runs));
    assert.deepEqual(outcome, { pulled: 1, handedBack: 0, rungHandedBack: 0, folded: ["prod"], unpulled: ["missing"] });
    assert.equal(runs.length, 1);
  });
});

describe("foldEveryMember: a group doorbell (Pub/Sub emulator, official Subscriber client)", () => {
  const group = ["prod", "staging"];

  it("pulls every member even when the first has nothing, and runs the engine once for all of it", async () => {
    await queue.enqueue([{ ...hint(10), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const ran: string[][] = [];
    assert.deepEqual(await foldEveryMember(group, subscriptions, recordingDeps(runs, false, ran)), {
      pulled: 1,
      handedBack: 0,
      folded: ["staging"],
      unpulled: [],
      capped: false,
    });
    assert.deepEqual(ran, [["staging"]]);
    assert.equal(prod.backlog + staging.backlog, 0);
  });

  it("nothing waiting anywhere: no run, one Pull per member", async () => {
    const runs: Trigger[] = [];
    const pullsBefore = emu.calls("Pull");
    assert.deepEqual(await foldEveryMember(group, subscriptions, recordingDeps(runs)), {
      pulled: 0,
      handedBack: 0,
      folded: [],
      unpulled: [],
      capped: false,
    });
    assert.equal(emu.calls("Pull") - pullsBefore, 2);
    assert.equal(runs.length, 0);
  });

  it("a failing member's work is handed back and the outcome says so; the others' is acknowledged", async () => {
    await queue.enqueue([hint(11), { ...hint(12), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const outcome = await foldEveryMember(group, subscriptions, recordingDeps(runs, ["staging"]));
    assert.deepEqual(outcome, { pulled: 2, handedBack: 1, folded: ["prod", "staging"], unpulled: [], capped: false });
    assert.equal(prod.backlog, 0);
    assert.equal(staging.backlog, 1, "back at once: the redelivered doorbell finds only it");
    assert.equal((await foldEveryMember(group, subscriptions, recordingDeps(runs))).pulled, 1);
    assert.equal(staging.backlog, 0);
  });

  it("a member whose Pull fails is named in unpulled; the others still run", async () => {
    await queue.enqueue([hint(13)]);
    const runs: Trigger[] = [];
    const outcome = await foldEveryMember(["missing", ...group], subscriptions, recordingDeps(runs));
    assert.deepEqual(outcome, { pulled: 1, handedBack: 0, folded: ["prod"], unpulled: ["missing"], capped: false });
    assert.equal(runs.length, 1);
  });

  it("the cap ends the fold and says so: the members not reached wait for the doorbell's redelivery", async () => {
    await queue.enqueue([hint(14), hint(15), { ...hint(16), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const outcome = await foldEveryMember(group, subscriptions, recordingDeps(runs), { pullSize: 5, maxMessages: 2 });
    assert.deepEqual(outcome, { pulled: 2, handedBack: 0, folded: ["prod"], unpulled: [], capped: true });
    assert.equal(staging.backlog, 1);
    assert.equal((await foldEveryMember(group, subscriptions, recordingDeps(runs))).pulled, 1);
  });

  it("members pulled at once share the cap: together they lease no more than it, and what a short page leaves goes to the others", async () => {
    await queue.enqueue([hint(17), hint(18), hint(19), { ...hint(20), deployment: "staging" }, { ...hint(21), deployment: "staging" }]);
    const runs: Trigger[] = [];
    const outcome = await foldEveryMember(group, subscriptions, recordingDeps(runs), { pullSize: 2, maxMessages: 4 });
    assert.equal(outcome.pulled, 4);
    assert.equal(outcome.capped, true);
    assert.equal(prod.backlog + staging.backlog, 1, "exactly one left: never more leased than the cap");
    assert.equal((await foldEveryMember(group, subscriptions, recordingDeps(runs))).pulled, 1);
  });

  it(`pulls up to ${MEMBER_PULLS_AT_ONCE} members at once, not one after another`, async () => {
    let inFlight = 0;
    let most = 0;
    const members = Array.from({ length: 20 }, (_, i) => `dep-${i}`);
    const slow: DeploymentWorkSubscriptions = {
      async pull() {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return [];
      },
      async acknowledge() {},
      async handBack() {},
    };
    const outcome = await foldEveryMember(members, slow, recordingDeps([]));
    assert.equal(outcome.pulled, 0);
    assert.equal(most, MEMBER_PULLS_AT_ONCE);
  });
});
