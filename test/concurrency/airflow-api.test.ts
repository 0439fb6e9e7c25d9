import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import type { AirflowAuth } from "@afsync/airflow-api/authenticatingFetch";
import type { KeyString } from "@afsync/core";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { FetchLike } from "@afsync/http/FetchLike";
import { createSeededRandom } from "../faults/createSeededRandom.ts";
import { holdingFetch } from "./holdingFetch.ts";
import { NO_PROBLEMS, nextTruth, ownershipProblems, syncOnce, type Truth } from "./syncTruth.ts";
import { GatedTarget, TurnScheduler } from "./TurnScheduler.ts";

/**
 * Several afsync processes (serve, a CLI sync, cloud workers) on ONE Airflow Deployment whose
 * ownership record is the manifest variable in Airflow itself (`state: target`). Airflow has no
 * ETag, so nothing refuses a write based on a stale read: each party here is its own engine and
 * target over real HTTP to the emulator, and the interleaving is forced by a turn scheduler
 * (scripted, then seeded random) instead of hoped for.
 *
 * Found with this file: the target wrote the manifest it had read at the start of the run plus
 * its own changes, so a run held between its read and its write erased every record another run
 * saved meanwhile. The keys that run created stayed in Airflow but were no longer owned: a
 * permanent `conflict` that no reconciliation repairs. The manifest is now a log (ADR 009): each
 * write appends its own segment variable, so no writer's records replace another's.
 */

const UNOWNED = new Set<KeyString>(["conn:theirs_conn", "var:theirs_var"]);

const truthOf = (entries: Record<string, [string, number]>): Truth =>
  new Map(Object.entries(entries).map(([k, [value, order]]) => [k, { value, order }]));

for (const apiVersion of [1, 2] as const) {
  const auth: AirflowAuth =
    apiVersion === 1
      ? { type: "basic", username: "afsync", password: "pw" }
      : { type: "airflow-token", username: "afsync", password: "pw" };

  describe(`concurrent syncs on one Airflow ${apiVersion + 1} Deployment (manifest in the target)`, () => {
    let airflow: AirflowEmulator;
    before(async () => {
      airflow = await startAirflowEmulator({ apiVersion, users: { afsync: "pw" } });
    });
    after(() => airflow.close());

    const target = (fetch?: FetchLike) =>
      new AirflowApiTarget({
        ...(fetch === undefined ? {} : { fetch }),
        url: "https://airflow.example.com",
        apiUrl: airflow.url,
        apiVersion,
        auth,
        state: "manifest",
        manifestVariable: "afsync_manifest",
        pageLimit: 100,
        batchSize: 100,
      });

    /** A clean Deployment with two things afsync did not write. */
    function reset(): string {
      airflow.state.connections.clear();
      airflow.state.variables.clear();
      airflow.state.seedConnection({ connection_id: "theirs_conn", conn_type: "postgres", password: "their-pw" });
      airflow.state.seedVariable("theirs_var", "their-value");
      return unownedSnapshot();
    }
    const unownedSnapshot = () => JSON.stringify([airflow.state.connections.get("theirs_conn"), airflow.state.variables.get("theirs_var")]);

    async function assertConsistent(where: string): Promise<void> {
      const snapshot = await target().read();
      assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED), NO_PROBLEMS, where);
    }

    async function assertEquals(truth: Truth, where: string): Promise<void> {
      await assertConsistent(where);
      const snapshot = await target().read();
      const held = Object.fromEntries(
        [...snapshot.entries.keys()].filter((k) => !UNOWNED.has(k)).map((k) => [k, airflow.state.variables.get(k.slice(4))?.value]),
      );
      assert.deepEqual(held, Object.fromEntries([...truth].map(([id, v]) => [`var:${id}`, v.value])), `${where}: values`);
      const versions = Object.fromEntries((snapshot.manifest ?? []).map((r) => [r.key, r.version]));
      assert.deepEqual(versions, Object.fromEntries([...truth].map(([id, v]) => [`var:${id}`, String(v.order)])), `${where}: versions`);
    }

    it("a run held between its read and its write does not disown what a newer run created meanwhile", async () => {
      const untouched = reset();
      await syncOnce(target(), truthOf({ k1: ["pw-0", 1], k2: ["pw-0", 1] }));
      // A read the sources when k1 had rotated once; B read them later: k1 rotated again, k2 gone, k3 new.
      const viewA = truthOf({ k1: ["pw-A", 2], k2: ["pw-0", 1] });
      const truth = truthOf({ k1: ["pw-B", 3], k3: ["pw-B", 1] });
      const turns = new TurnScheduler();
      // A starts and reads; B runs whole (a target that writes its manifest ahead applies twice); A applies.
      await turns.run(
        {
          A: () => syncOnce(new GatedTarget(target(), "A", turns), viewA),
          B: () => syncOnce(new GatedTarget(target(), "B", turns), truth),
        },
        (waiting) => (!turns.trace.includes("A:read") || !waiting.some((w) => w.party === "B") ? "A" : "B"),
      );
      assert.deepEqual(turns.trace.slice(0, 5), ["A:start", "A:read", "B:start", "B:read", "B:apply"]);
      assert.deepEqual(
        turns.trace.slice(5).filter((t) => t !== "B:apply"),
        ["A:apply"],
        turns.trace.join(" "),
      );
      assert.equal(turns.trace.at(-1), "A:apply");
      await assertConsistent("right after the overlap");
      assert.equal(airflow.state.variables.get("k3")?.value, "pw-B", "B's new key is still there");
      assert.equal(unownedSnapshot(), untouched, "keys afsync does not own are untouched");

      // A wrote its older k1 last: the manifest says so (version 2), so the next reconciliation rewrites it.
      const repair = await syncOnce(target(), truth);
      assert.equal(repair.summary.conflict, 0);
      await assertEquals(truth, "after the next reconciliation");
      assert.equal(unownedSnapshot(), untouched);
    });

    /**
     * The window a whole-manifest rewrite left open: B is held just before the request that writes
     * its manifest change, while A runs whole. With the manifest a log, B's write adds a segment
     * and A's records stay.
     */
    async function overlapInsideTheManifestWrite(viewA: Truth, viewB: Truth): Promise<void> {
      const manifestWrite = async (r: Request) =>
        apiVersion === 2
          ? r.method === "PATCH" && new URL(r.url).pathname === "/api/v2/variables"
          : r.method !== "GET" &&
            r.url.includes("/variables") &&
            (r.url.includes("afsync_manifest") || (await r.clone().text()).includes('"afsync_manifest'));
      const hold = holdingFetch(manifestWrite);
      const runB = syncOnce(target(hold.fetch), viewB);
      await hold.held;
      await syncOnce(target(), viewA);
      hold.release();
      await runB;
    }

    it("an update that lands inside another writer's manifest write keeps its record", async () => {
      const untouched = reset();
      await syncOnce(target(), truthOf({ k1: ["pw-0", 1], kb: ["pw-0", 1] }));
      const truth = truthOf({ k1: ["pw-A", 2], kb: ["pw-B", 2] });
      await overlapInsideTheManifestWrite(truth, truthOf({ k1: ["pw-0", 1], kb: ["pw-B", 2] }));
      const manifest = (await target().read()).manifest ?? [];
      assert.equal(manifest.find((r) => r.key === "var:k1")?.version, "2", "A's record for k1 survived B's manifest write");
      await assertConsistent("right after the overlap");
      const repair = await syncOnce(target(), truth);
      assert.equal(repair.summary.conflict, 0);
      await assertEquals(truth, "after the next reconciliation");
      assert.equal(unownedSnapshot(), untouched);
    });

    it("a key created inside another writer's manifest write stays recorded: no conflict, nothing to adopt", async () => {
      reset();
      await syncOnce(target(), truthOf({ kb: ["pw-0", 1] }));
      const truth = truthOf({ ka: ["pw-A", 1], kb: ["pw-B", 2] });
      await overlapInsideTheManifestWrite(truth, truthOf({ kb: ["pw-B", 2] }));
      const snapshot = await target().read();
      assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED).orphanedKeys, []);
      assert.equal((await syncOnce(target(), truth)).summary.conflict, 0, "A's key is A's");
      await assertEquals(truth, "after the next reconciliation");
    });

    for (const seed of [13, 2026, 77_777]) {
      it(`three parties in a seeded random interleaving keep ownership consistent (seed ${seed})`, async () => {
        const rand = createSeededRandom(seed);
        const untouched = reset();
        const keys = 10;
        let truth: Truth = new Map();
        for (let round = 1; round <= 3; round++) {
          // The sources change twice during the round; each party read them at one of those moments.
          const moments = [truth, nextTruth(truth, keys, round * 2, rand), undefined as Truth | undefined];
          moments[2] = nextTruth(moments[1] as Truth, keys, round * 2 + 1, rand);
          const views = ["P1", "P2", "P3"].map((p, i) => [p, i === 2 ? (moments[2] as Truth) : (rand.pick(moments) as Truth)] as const);
          const turns = new TurnScheduler();
          await turns.run(
            Object.fromEntries(views.map(([p, view]) => [p, () => syncOnce(new GatedTarget(target(), p, turns), view)])),
            (waiting) => rand.pick(waiting).party,
          );
          truth = moments[2] as Truth;
          await assertConsistent(`seed ${seed} round ${round} (${turns.trace.join(" ")})`);
          assert.equal(unownedSnapshot(), untouched, `seed ${seed} round ${round}: unowned keys untouched`);
        }
        const repair = await syncOnce(target(), truth);
        assert.equal(repair.summary.conflict, 0, `seed ${seed}: no key became a conflict`);
        await assertEquals(truth, `seed ${seed}: after the next reconciliation`);
      });
    }
  });
}
