import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AstroEnvironmentTarget } from "@afsync/astro/AstroEnvironmentTarget";
import { AstroEnvVarsTarget } from "@afsync/astro/AstroEnvVarsTarget";
import { KeyedMutex } from "@afsync/astro/KeyedMutex";
import type { DeploymentTarget, KeyString } from "@afsync/core";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { FetchLike } from "@afsync/http/FetchLike";
import { createSeededRandom } from "../faults/createSeededRandom.ts";
import { holdingFetch } from "./holdingFetch.ts";
import { NO_PROBLEMS, nextTruth, ownershipProblems, syncOnce, type Truth } from "./syncTruth.ts";
import { GatedTarget, TurnScheduler } from "./TurnScheduler.ts";

/**
 * Several afsync processes on ONE Astro Deployment, for both Astro targets, each party with its
 * own engine, target and in-process write lock (as separate processes have), over real HTTP to
 * the Astro emulator. Neither API has an ETag. The env-vars list is replaced whole by every
 * UpdateDeployment, values and manifest in one call, so a lost update loses values and records
 * together (never an orphan) and the next reconciliation puts them back; this file shows both.
 */

const TOKEN = "astro-concurrency-token";
const ORG = "org-conc";
const WORKSPACE = "ws-conc";
const UNOWNED = new Set<KeyString>(["var:theirs"]);

interface Kind {
  readonly name: string;
  /** A fresh Deployment with one Airflow variable and one other setting afsync did not write. */
  seed(): string;
  target(deploymentId: string, options?: { fetch?: FetchLike }): DeploymentTarget;
  /** The Airflow variables afsync could have written, key → value as stored (secrets included). */
  values(deploymentId: string): Record<string, string | undefined>;
  /** Everything afsync must never touch, as text. */
  unowned(deploymentId: string): string;
}

let astro: AstroEmulator;
let counter = 0;

const envVars: Kind = {
  name: "astro-env-vars",
  seed() {
    const id = `dep-c${++counter}`;
    astro.seedDeployment({
      id,
      organizationId: ORG,
      workspaceId: WORKSPACE,
      environmentVariables: [
        { key: "AIRFLOW_VAR_THEIRS", value: "their-value", isSecret: true },
        { key: "OTHER_SETTING", value: "kept" },
      ],
    });
    return id;
  },
  target: (deploymentId, options = {}) =>
    new AstroEnvVarsTarget({
      organizationId: ORG,
      deploymentId,
      apiUrl: astro.v1Url,
      apiVersion: "v1",
      token: TOKEN,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      locks: new KeyedMutex(),
      ...options,
    }),
  values(deploymentId) {
    const vars = astro.deployment(ORG, deploymentId)?.environmentVariables ?? [];
    return Object.fromEntries(
      vars
        .filter((v) => v.key.startsWith("AIRFLOW_VAR_") && v.key !== "AIRFLOW_VAR_THEIRS")
        .map((v) => [v.key.slice(12).toLowerCase(), v.value]),
    );
  },
  unowned(deploymentId) {
    const vars = astro.deployment(ORG, deploymentId)?.environmentVariables ?? [];
    return JSON.stringify(vars.filter((v) => v.key === "AIRFLOW_VAR_THEIRS" || v.key === "OTHER_SETTING"));
  },
};

const environment: Kind = {
  name: "astro-environment",
  seed() {
    const id = `ws-c${++counter}`;
    astro.seedEnvironmentObject(ORG, {
      objectKey: "theirs",
      objectType: "AIRFLOW_VARIABLE",
      scope: "WORKSPACE",
      scopeEntityId: id,
      airflowVariable: { value: "their-value", isSecret: true },
    });
    return id;
  },
  target: (workspaceId, options = {}) =>
    new AstroEnvironmentTarget({
      organizationId: ORG,
      scope: { scope: "WORKSPACE", scopeEntityId: workspaceId },
      apiUrl: astro.v1Url,
      token: TOKEN,
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      locks: new KeyedMutex(),
      ...options,
    }),
  values(workspaceId) {
    return Object.fromEntries(
      astro
        .environmentObjects()
        .filter((o) => o.scopeEntityId === workspaceId && o.objectType === "AIRFLOW_VARIABLE" && o.objectKey !== "theirs")
        .map((o) => [o.objectKey, o.value?.value]),
    );
  },
  unowned(workspaceId) {
    const theirs = astro.environmentObjects().find((o) => o.scopeEntityId === workspaceId && o.objectKey === "theirs");
    assert.ok(theirs !== undefined, "the unowned object exists");
    return JSON.stringify({ ...theirs, updatedAt: undefined });
  },
};

const truthOf = (entries: Record<string, [string, number]>): Truth =>
  new Map(Object.entries(entries).map(([k, [value, order]]) => [k, { value, order }]));
const valuesOf = (truth: Truth) => Object.fromEntries([...truth].map(([id, v]) => [id, v.value]));

before(async () => {
  astro = await startAstroEmulator({ token: TOKEN });
});
after(() => astro.close());

for (const kind of [envVars, environment]) {
  describe(`concurrent syncs on one Deployment: ${kind.name}`, () => {
    async function assertConsistent(id: string, where: string): Promise<void> {
      const snapshot = await kind.target(id).read();
      assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED), NO_PROBLEMS, where);
    }

    it("a run held between its read and its write does not disown what a newer run created meanwhile", async () => {
      const id = kind.seed();
      const untouched = kind.unowned(id);
      await syncOnce(kind.target(id), truthOf({ k1: ["pw-0", 1], k2: ["pw-0", 1] }));
      const viewA = truthOf({ k1: ["pw-A", 2], k2: ["pw-0", 1] });
      const truth = truthOf({ k1: ["pw-B", 3], k3: ["pw-B", 1] });
      const turns = new TurnScheduler();
      // A starts and reads; B runs whole (a target that writes its manifest ahead applies twice); A applies.
      await turns.run(
        {
          A: () => syncOnce(new GatedTarget(kind.target(id), "A", turns), viewA),
          B: () => syncOnce(new GatedTarget(kind.target(id), "B", turns), truth),
        },
        (waiting) => (!turns.trace.includes("A:read") || !waiting.some((w) => w.party === "B") ? "A" : "B"),
      );
      await assertConsistent(id, "right after the overlap");
      assert.equal(kind.values(id).k3, "pw-B", "B's new key is still there");
      assert.equal(kind.unowned(id), untouched);
      const repair = await syncOnce(kind.target(id), truth);
      assert.equal(repair.summary.conflict, 0);
      await assertConsistent(id, "after the next reconciliation");
      assert.deepEqual(kind.values(id), valuesOf(truth));
      assert.equal(kind.unowned(id), untouched);
    });

    for (const seed of [13, 2026]) {
      it(`three parties in a seeded random interleaving keep ownership consistent (seed ${seed})`, async () => {
        const rand = createSeededRandom(seed);
        const id = kind.seed();
        const untouched = kind.unowned(id);
        let truth: Truth = new Map();
        for (let round = 1; round <= 3; round++) {
          const first = nextTruth(truth, 8, round * 2, rand);
          const last = nextTruth(first, 8, round * 2 + 1, rand);
          const moments = [truth, first, last];
          const views = ["P1", "P2", "P3"].map((p, i) => [p, i === 2 ? last : rand.pick(moments)] as const);
          const turns = new TurnScheduler();
          await turns.run(
            Object.fromEntries(views.map(([p, view]) => [p, () => syncOnce(new GatedTarget(kind.target(id), p, turns), view)])),
            (waiting) => rand.pick(waiting).party,
          );
          truth = last;
          await assertConsistent(id, `seed ${seed} round ${round} (${turns.trace.join(" ")})`);
          assert.equal(kind.unowned(id), untouched, `seed ${seed} round ${round}: unowned untouched`);
        }
        const repair = await syncOnce(kind.target(id), truth);
        assert.equal(repair.summary.conflict, 0, `seed ${seed}: no key became a conflict`);
        await assertConsistent(id, `seed ${seed}: after the next reconciliation`);
        assert.deepEqual(kind.values(id), valuesOf(truth), `seed ${seed}: values equal the truth`);
      });
    }
  });
}

describe("astro-env-vars without an ETag: the window that remains, and its repair", () => {
  it("an update based on a read from before our write and read-back loses our keys and their records together; the next reconciliation puts them back", async () => {
    const id = envVars.seed();
    const untouched = envVars.unowned(id);
    await syncOnce(envVars.target(id), truthOf({ k1: ["pw-0", 1] }));
    // B reads the Deployment, then is held just before its UpdateDeployment (the list it will send is fixed now).
    const hold = holdingFetch((r) => r.method === "POST" && r.url.includes(`/deployments/${id}`));
    const runB = syncOnce(envVars.target(id, { fetch: hold.fetch }), truthOf({ k1: ["pw-0", 1], kb: ["pw-B", 1] }));
    await hold.held;
    // A runs whole meanwhile: writes, reads back, finds its change there, and is done.
    const truth = truthOf({ k1: ["pw-0", 1], ka: ["pw-A", 1], kb: ["pw-B", 1] });
    const reportA = await syncOnce(envVars.target(id), truth);
    assert.equal(reportA.summary.create, 2);
    hold.release();
    await runB;
    // B's list, built before A's write, replaced A's. Values and manifest went in one call, so
    // A's key is gone together with its record: lost, but not orphaned.
    assert.equal(envVars.values(id).ka, undefined, "A's update was lost (the window the missing ETag leaves)");
    const snapshot = await envVars.target(id).read();
    assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED), NO_PROBLEMS);
    const repair = await syncOnce(envVars.target(id), truth);
    assert.equal(repair.summary.create, 1, "the next reconciliation re-creates exactly the lost key");
    assert.deepEqual(envVars.values(id), valuesOf(truth));
    assert.equal(envVars.unowned(id), untouched);
  });
});

describe("astro-environment without an ETag: the manifest lock closes the window", () => {
  it("a key created while another writer's manifest update is in flight keeps its record: the creator waits for the lock, then merges", async () => {
    const id = environment.seed();
    const untouched = environment.unowned(id);
    await syncOnce(environment.target(id), truthOf({ kb: ["pw-0", 1] }));
    // B writes its value, re-reads the manifest, and is held just before the update that replaces
    // it: the moment a read-merge-write without the lock let B's stale merge drop A's new record.
    const manifestUpdate = async (r: Request) =>
      r.method === "POST" && /\/environment-objects\/[^/?]+$/.test(new URL(r.url).pathname) && (await r.clone().text()).includes("owners");
    const hold = holdingFetch(manifestUpdate);
    const runB = syncOnce(environment.target(id, { fetch: hold.fetch }), truthOf({ kb: ["pw-B", 2] }));
    await hold.held;
    // A creates ka meanwhile; its manifest write (the record ahead of the create) waits for the
    // lock B holds: its create of the lock object answers 409.
    let refused!: () => void;
    const waitsForLock = new Promise<void>((r) => (refused = r));
    const watching = async (request: Request) => {
      const isLock = request.method === "POST" && (await request.clone().text()).includes("MANIFEST_LOCK");
      const response = await globalThis.fetch(request);
      if (isLock && response.status === 409) refused();
      return response;
    };
    const truth = truthOf({ ka: ["pw-A", 1], kb: ["pw-B", 2] });
    const runA = syncOnce(environment.target(id, { fetch: watching }), truth);
    await waitsForLock;
    hold.release();
    assert.equal((await runB).summary.failed, 0, "B, holding the lock, is not disturbed");
    assert.equal((await runA).summary.create, 1);
    const snapshot = await environment.target(id).read();
    assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED), NO_PROBLEMS);
    const next = await syncOnce(environment.target(id), truth);
    assert.equal(next.summary.conflict, 0, "the next reconciliation finds nothing to adopt");
    assert.deepEqual(environment.values(id), valuesOf(truth));
    assert.equal(environment.unowned(id), untouched);
  });
});
