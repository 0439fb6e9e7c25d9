import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import { type KeyString, type StateRecord, variableKey } from "@afsync/core";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import {
  foldManifest,
  loadManifestLog,
  MAX_MANIFEST_SEGMENTS,
  type ManifestLog,
  manifestDelta,
  planManifestWrite,
  segmentSeq,
} from "../src/manifestLog.ts";
import { decodeManifestPart, encodeManifestPart } from "../src/targetManifest.ts";

const BASE = "afsync_manifest";
const rec = (key: string, hash = "a".repeat(64), at = "2026-01-01T00:00:00.000Z"): StateRecord => ({
  key: key as KeyString,
  sourceId: "aws",
  secretId: `airflow/${key}`,
  version: "v1",
  hash,
  appliedAt: at,
});
const keys = (n: number, from = 0) => Array.from({ length: n }, (_, i) => rec(`var:k${from + i}`));

/** The write for `next`: a segment, or a fold made from `log` itself as the fresh read. */
function writeFor(log: ManifestLog | null, next: readonly StateRecord[], tag: string) {
  const delta = manifestDelta(log?.records ?? new Map(), next);
  if (delta === null) return null;
  const step = planManifestWrite(BASE, log, delta, tag);
  return step.kind === "segment" ? step.plan : foldManifest(BASE, log, step.delta);
}

/** Applies plans as a store would, so a test can load the log back from "what Airflow holds". */
function store() {
  const vars = new Map<string, string>();
  return {
    vars,
    parts: () => [...vars].map(([variable, text]) => ({ variable, text })),
    land(plan: NonNullable<ReturnType<typeof writeFor>>, deletes = true) {
      vars.set(plan.variable, plan.text);
      if (deletes) for (const d of plan.deleteAfter) vars.delete(d);
    },
  };
}

describe("the manifest log", () => {
  it("writes the first records as a segment (no fold, no base yet) and later changes as segments holding only the delta", () => {
    const s = store();
    const first = writeFor(null, keys(100), "t1");
    assert.ok(first !== null);
    assert.equal(segmentSeq(BASE, first.variable), 1, "a segment: a first write never folds");
    s.land(first);
    const second = writeFor(first.next, [...keys(100), ...keys(50, 100)], "t2");
    assert.ok(second !== null);
    assert.equal(segmentSeq(BASE, second.variable), 2);
    assert.equal(decodeManifestPart(second.text, second.variable).records.length, 50, "only the 50 new records");
    s.land(second);
    const loaded = loadManifestLog(BASE, s.parts());
    assert.deepEqual(
      [...(loaded?.records.values() ?? [])].sort((a, b) => a.key.localeCompare(b.key)),
      [...keys(100), ...keys(50, 100)].sort((a, b) => a.key.localeCompare(b.key)),
    );
    assert.equal(writeFor(loaded, [...keys(100), ...keys(50, 100)], "t3"), null, "nothing changed, nothing written");
  });

  it("records removals in a segment, and a key removed then re-added is owned again", () => {
    const s = store();
    let log = null;
    for (const [next, tag] of [
      [keys(3), "a"],
      [keys(2), "b"],
      [keys(3), "c"],
    ] as const) {
      const plan = writeFor(log, next, tag);
      assert.ok(plan !== null);
      s.land(plan);
      log = loadManifestLog(BASE, s.parts());
    }
    assert.deepEqual([...(log?.records.keys() ?? [])].sort(), ["var:k0", "var:k1", "var:k2"]);
  });

  it("folds the segments into a new base once they hold more dead records than live ones, and a crash before the old segments are deleted loses nothing", () => {
    const s = store();
    let next = keys(300);
    const first = writeFor(null, next, "x");
    assert.ok(first !== null);
    s.land(first);
    // Every key rotated once: one segment, 300 dead records, not more than the 300 live ones.
    next = next.map((r) => ({ ...r, hash: "1".repeat(64) }));
    const rotated = writeFor(first.next, next, "r1");
    assert.ok(rotated !== null);
    assert.notEqual(rotated.variable, BASE, "appends");
    s.land(rotated);
    // One more: the dead records now outnumber the live ones, so this write folds.
    next = next.map((r, i) => (i === 0 ? { ...r, hash: "2".repeat(64) } : r));
    const fold = writeFor(loadManifestLog(BASE, s.parts()), next, "r2");
    assert.ok(fold !== null);
    assert.equal(fold.variable, BASE, "folds");
    assert.deepEqual(fold.deleteAfter, [first.variable, rotated.variable]);
    // The crash: the new base landed, the old segment was never deleted.
    s.land(fold, false);
    const afterCrash = loadManifestLog(BASE, s.parts());
    assert.equal(afterCrash?.stale.length, 2, "the old segments are stale, not applied");
    assert.deepEqual(
      [...(afterCrash?.records.values() ?? [])].sort((a, b) => a.key.localeCompare(b.key)),
      [...next].sort((a, b) => a.key.localeCompare(b.key)),
    );
  });

  it("numbers a segment by its write time, so of two writers that read the same log the later write applies last", () => {
    const log = writeFor(null, keys(2), "b")?.next ?? null;
    const delta = { changed: [rec("var:k0", "e".repeat(64))], removed: [] };
    const early = planManifestWrite(BASE, log, delta, "aaa", 1_000);
    const late = planManifestWrite(BASE, log, { changed: [rec("var:k0", "f".repeat(64))], removed: [] }, "000", 2_000);
    assert.ok(early.kind === "segment" && late.kind === "segment");
    const loaded = loadManifestLog(BASE, [
      { variable: BASE, text: encodeManifestPart(keys(2)) },
      { variable: late.plan.variable, text: late.plan.text },
      { variable: early.plan.variable, text: early.plan.text },
    ]);
    assert.equal(loaded?.records.get("var:k0" as KeyString)?.hash, "f".repeat(64));
  });

  it("folds when there are too many segments, which each cost a GET on Airflow 2", () => {
    let next = keys(10_000);
    // The first write is segment 1, so the write that would make the 129th folds instead.
    let log = writeFor(null, next, "b")?.next ?? null;
    for (let i = 1; i <= MAX_MANIFEST_SEGMENTS; i++) {
      next = next.map((r, j) => (j === i ? { ...r, hash: "d".repeat(64) } : r));
      const plan = writeFor(log, next, `s${i}`);
      assert.ok(plan !== null);
      assert.equal(plan.variable === BASE, i === MAX_MANIFEST_SEGMENTS, `write ${i}`);
      log = plan.next;
    }
  });

  it("reads the first format (one variable, objects) and migrates with no key orphaned", () => {
    const old = JSON.stringify({ afsync: 1, records: [{ k: "conn:db", src: "aws", h: "b".repeat(64), at: "2026-01-01T00:00:00.000Z" }] });
    const log = loadManifestLog(BASE, [{ variable: BASE, text: old }]);
    assert.deepEqual([...(log?.records.keys() ?? [])], ["conn:db"]);
    const plan = writeFor(log, [...(log?.records.values() ?? []), rec("var:new")], "m");
    assert.ok(plan !== null);
    const s = store();
    s.vars.set(BASE, old);
    s.land(plan);
    assert.deepEqual([...(loadManifestLog(BASE, s.parts())?.records.keys() ?? [])].sort(), ["conn:db", "var:new"]);
  });

  it("keeps records compact (packed hashes and version ids, secret-id prefixes, source ids and time once) and round-trips every field", () => {
    const records: StateRecord[] = [
      { ...rec("conn:a"), secretId: "airflow/connections/a", version: "0d5f2c1e-9b7a-4c3d-8e2f-1a2b3c4d5e6f" },
      { ...rec("var:b"), secretId: "elsewhere/B", version: "0123456789abcdef0123456789abcdef" },
      { ...rec("var:c"), version: "~u-not-a-packed-one", versionOrder: 3 },
      { key: "var:d" as KeyString, sourceId: "aws", hash: "pending", appliedAt: "2026-01-01T00:00:00.000Z" },
      { key: "var:e" as KeyString, sourceId: "other", hash: "f".repeat(64), appliedAt: "2026-01-01T00:00:00.000Z" },
    ];
    const byKey = (a: StateRecord, b: StateRecord) => a.key.localeCompare(b.key);
    assert.deepEqual([...decodeManifestPart(encodeManifestPart(records), BASE).records].sort(byKey), [...records].sort(byKey));
    // A write-ahead (pending) record is stored as its key alone: the next run rewrites it anyway.
    const pending = { ...rec("var:p", "pending", "2026-02-02T00:00:00.000Z"), version: "7" };
    assert.deepEqual(decodeManifestPart(encodeManifestPart([rec("var:a"), pending]), BASE).records[1], {
      key: "var:p",
      sourceId: "aws",
      hash: "pending",
      appliedAt: "2026-01-01T00:00:00.000Z",
    });
    const many = Array.from({ length: 1000 }, (_, i) => ({
      ...rec(`conn:conn_${i}`),
      secretId: `airflow/connections/conn_${i}`,
      version: "0d5f2c1e-9b7a-4c3d-8e2f-1a2b3c4d5e6f",
    }));
    const text = encodeManifestPart(many);
    const perRecord = Buffer.byteLength(text) / 1000;
    assert.ok(perRecord < 100, `${perRecord} bytes a record`);
    assert.ok(!text.includes("a".repeat(64)) && !text.includes("airflow/connections/conn_1"), "hash and secret id packed");
  });
});

describe("the airflow-api target writes manifest bytes in proportion to what changed", () => {
  for (const apiVersion of [1, 2] as const) {
    it(`Airflow ${apiVersion + 1}: a first push in chunks writes each record about once, and a later change writes only its own`, async () => {
      const emulator = await startAirflowEmulator({ apiVersion, users: { admin: "pw" } });
      try {
        const target = new AirflowApiTarget({
          url: emulator.url,
          apiVersion,
          auth:
            apiVersion === 1
              ? { type: "basic", username: "admin", password: "pw" }
              : { type: "airflow-token", username: "admin", password: "pw" },
          state: "manifest",
          manifestVariable: BASE,
          pageLimit: 100,
          batchSize: 25,
        });
        await target.read();
        const upserts = Array.from({ length: 200 }, (_, i) => ({
          key: variableKey(`k${i}`),
          value: { kind: "variable" as const, value: `v${i}` },
        }));
        const records = keys(200);
        for (let i = 0; i < upserts.length; i += 25) {
          await target.apply({ upserts: upserts.slice(i, i + 25), deletes: [], manifest: records.slice(0, i + 25) });
        }
        const manifestBytes = () =>
          [...emulator.state.variables]
            .filter(([k]) => k === BASE || segmentSeq(BASE, k) !== undefined)
            .reduce((n, [, v]) => n + Buffer.byteLength(v.value ?? ""), 0);
        const once = Buffer.byteLength(encodeManifestPart(records));
        assert.ok(manifestBytes() < once * 1.1, `the manifest variables hold ${manifestBytes()} bytes against ${once} written once`);

        const snapshot = await new AirflowApiTarget({
          url: emulator.url,
          apiVersion,
          auth:
            apiVersion === 1
              ? { type: "basic", username: "admin", password: "pw" }
              : { type: "airflow-token", username: "admin", password: "pw" },
          state: "manifest",
          manifestVariable: BASE,
          pageLimit: 100,
          batchSize: 25,
        }).read();
        assert.equal(snapshot.entries.size, 200, "segments are bookkeeping, not keys");
        assert.deepEqual([...(snapshot.manifest ?? [])].map((r) => r.key).sort(), records.map((r) => r.key).sort());

        emulator.resetCalls();
        const changed = records.map((r, i) => (i === 7 ? { ...r, hash: "c".repeat(64) } : r));
        await target.apply({
          upserts: [{ key: variableKey("k7"), value: { kind: "variable", value: "new" } }],
          deletes: [],
          manifest: changed,
        });
        const sent = emulator.calls.reduce((n, c) => n + c.bodyBytes, 0);
        assert.ok(sent < 1000, `one changed key sent ${sent} bytes`);
      } finally {
        await emulator.close();
      }
    });
  }
});
