import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import type { StateRecord } from "@afsync/core";
import { variableKey } from "@afsync/core";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { FetchLike } from "@afsync/http/FetchLike";
import { MAX_MANIFEST_SEGMENTS } from "../src/manifestLog.ts";
import { encodeManifestPart } from "../src/targetManifest.ts";

const BASE = "afsync_manifest";
const LOCK = "afsync_manifest.fold-lock";
const rec = (key: string): StateRecord => ({
  key: key as StateRecord["key"],
  sourceId: "s",
  hash: "a".repeat(64),
  appliedAt: "2026-01-01T00:00:00.000Z",
});
const upsert = (id: string) => ({ key: variableKey(id), value: { kind: "variable" as const, value: `v-${id}` } });

/** Holds the first request `matches` picks until `release()`; `held` resolves once it has arrived. */
function holding(matches: (request: Request, body: string) => boolean) {
  let arrived!: () => void;
  const held = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let waiting = true;
  const fetch: FetchLike = async (request) => {
    const body = request.method === "GET" ? "" : await request.clone().text();
    if (waiting && matches(request, body)) {
      waiting = false;
      arrived();
      await released;
    }
    return globalThis.fetch(request);
  };
  return { fetch, held, release };
}

for (const apiVersion of [1, 2] as const) {
  describe(`the manifest fold lock: Airflow REST API v${apiVersion}`, () => {
    let airflow: AirflowEmulator;
    before(async () => {
      airflow = await startAirflowEmulator({ apiVersion, users: { admin: "pw" } });
    });
    after(() => airflow.close());

    const target = (fetch?: FetchLike) =>
      new AirflowApiTarget({
        url: airflow.url,
        apiVersion,
        auth: { type: apiVersion === 1 ? "basic" : "airflow-token", username: "admin", password: "pw" },
        state: "manifest",
        manifestVariable: BASE,
        pageLimit: 100,
        batchSize: 100,
        retry: { maxAttempts: 1 },
        ...(fetch === undefined ? {} : { fetch }),
      });
    // A log due a fold: as many segments as MAX_MANIFEST_SEGMENTS, one old record each.
    const OLD = Array.from({ length: MAX_MANIFEST_SEGMENTS }, (_, i) => rec(`var:old${i}`));
    const reset = () => {
      airflow.state.variables.clear();
      airflow.state.connections.clear();
      OLD.forEach((r, i) => {
        const key = `${BASE}.${1000 + i}.seed`;
        airflow.state.variables.set(key, { key, value: encodeManifestPart([r], { seq: 1000 + i }), description: null } as never);
      });
    };
    const withOld = (...records: StateRecord[]) => [...OLD, ...records];
    const ours = (manifest: readonly StateRecord[] | null | undefined) =>
      (manifest ?? [])
        .map((r) => r.key)
        .filter((k) => !k.startsWith("var:old"))
        .sort();

    it("two writers that would both fold: the second appends a segment while the first folds, and no record is lost", async () => {
      reset();
      // A is held on the write of its new base (the fold), after its fresh read: the moment a
      // second fold without a lock would land a base the first one then overwrites.
      const hold = holding((request, body) => request.method !== "GET" && body.includes(`"${BASE}"`));
      const a = target(hold.fetch);
      const b = target();
      await Promise.all([a.read(), b.read()]);
      const runA = a.apply({ upserts: [upsert("from_a")], deletes: [], manifest: withOld(rec("var:from_a")) });
      await hold.held;
      assert.ok(airflow.state.connections.has(LOCK), "A holds the fold lock");
      const outB = await b.apply({ upserts: [upsert("from_b")], deletes: [], manifest: withOld(rec("var:from_b")) });
      assert.ok(outB.results.every((r) => r.ok));
      hold.release();
      const outA = await runA;
      assert.ok(outA.results.every((r) => r.ok));
      const snapshot = await target().read();
      assert.deepEqual(ours(snapshot.manifest), ["var:from_a", "var:from_b"]);
      assert.equal(snapshot.manifest?.length, OLD.length + 2, "the old records stay");
      assert.ok(!airflow.state.connections.has(LOCK), "the lock is released");
      assert.ok(!snapshot.entries.has(`conn:${LOCK}`), "the lock is never a key");
    });

    it("takes over a lock a killed writer left behind once it has expired, and never deletes a connection it did not make", async () => {
      reset();
      const description = (until: number) =>
        `afsync: held while a writer folds its ownership manifest; not a real connection, it expires on its own. ${JSON.stringify({ holder: "dead", until })}`;
      airflow.state.connections.set(LOCK, { connection_id: LOCK, conn_type: "generic", description: description(Date.now() - 1) } as never);
      const out = await target().apply({ upserts: [upsert("k1")], deletes: [], manifest: withOld(rec("var:k1")) });
      assert.ok(out.results.every((r) => r.ok));
      assert.deepEqual(ours((await target().read()).manifest), ["var:k1"]);
      assert.ok(!airflow.state.connections.has(LOCK));

      reset();
      airflow.state.connections.set(LOCK, { connection_id: LOCK, conn_type: "postgres", description: "someone's own" } as never);
      const next = await target().apply({ upserts: [upsert("k2")], deletes: [], manifest: withOld(rec("var:k2")) });
      assert.ok(
        next.results.every((r) => r.ok),
        "the write goes on as a segment",
      );
      assert.deepEqual(ours((await target().read()).manifest), ["var:k2"]);
      assert.equal((airflow.state.connections.get(LOCK) as unknown as { description: string }).description, "someone's own");
    });
  });
}
