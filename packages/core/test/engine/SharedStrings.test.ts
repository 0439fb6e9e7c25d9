import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString, StateRecord } from "@afsync/core";
import { RestampedRecords } from "@afsync/core/engine/RestampedRecords";
import { SharedStrings } from "@afsync/core/engine/SharedStrings";

/** Every way a records map is read gives `expected`, in order. */
function assertSameRecords(map: ReadonlyMap<KeyString, StateRecord>, expected: readonly StateRecord[]): void {
  assert.equal(map.size, expected.length);
  assert.deepEqual(
    [...map.keys()],
    expected.map((r) => r.key),
  );
  assert.deepEqual([...map.values()], expected);
  assert.deepEqual(
    [...map],
    expected.map((r) => [r.key, r]),
  );
  assert.deepEqual(
    [...map.entries()],
    expected.map((r) => [r.key, r]),
  );
  const seen: StateRecord[] = [];
  map.forEach((record, key) => {
    assert.equal(key, record.key);
    seen.push(record);
  });
  assert.deepEqual(seen, expected);
  for (const r of expected) {
    assert.ok(map.has(r.key));
    assert.deepEqual(map.get(r.key), r);
    assert.deepEqual(Object.keys(map.get(r.key) ?? {}), Object.keys(r), "fields in the record's order");
  }
  assert.equal(map.get("var:absent" as KeyString), undefined);
  assert.ok(!map.has("var:absent" as KeyString));
  assert.deepEqual(new Map(map), new Map(expected.map((r) => [r.key, r])), "copied as a Map would be");
}

describe("SharedStrings", () => {
  const full: StateRecord = {
    key: "conn:db" as KeyString,
    sourceId: "sm",
    secretId: "airflow/connections/db",
    version: "v-1",
    versionOrder: 0,
    hash: "abc123",
    appliedAt: "2026-01-01T00:00:00.000Z",
  };
  const bare: StateRecord = { key: "var:flag" as KeyString, sourceId: "vault", hash: "pending", appliedAt: "2026-01-02T00:00:00.000Z" };

  // Whether two equal strings are one copy is not observable from JavaScript (the memory it saves
  // is measured by bench/full-reconcile); what is tested is that no record changes on the way.
  it("returns every record with the same fields and values (a version order of 0 included), adding none it lacked, in the same order", () => {
    const owned = new Map([
      [bare.key, bare],
      [full.key, full],
    ]);
    const shared = new SharedStrings().records(owned);
    assert.deepEqual([...shared.keys()], [bare.key, full.key]);
    for (const [key, record] of owned) {
      const held = shared.get(key);
      assert.deepEqual(held, record);
      assert.deepEqual(Object.keys(held ?? {}), Object.keys(record), "same fields, in the order the store gave them");
      assert.notEqual(held, record, "a new object: the store's own records are left as they are");
    }
  });

  it("gives Deployments that hold a key at the same fields one record, and a new one when any field differs", () => {
    const shared = new SharedStrings();
    const first = shared.records(new Map([[full.key, full]])).get(full.key);
    assert.equal(shared.records(new Map([[full.key, { ...full }]])).get(full.key), first);
    for (const change of [
      { version: "v-2" },
      { versionOrder: 1 },
      { hash: "def456" },
      { appliedAt: "2026-02-01T00:00:00.000Z" },
      { sourceId: "other" },
      { secretId: "airflow/connections/db2" },
    ]) {
      const other = { ...full, ...change };
      const held = shared.records(new Map([[full.key, other]])).get(full.key);
      assert.notEqual(held, first);
      assert.deepEqual(held, other);
    }
    const { secretId: _secretId, ...withoutSecretId } = full;
    assert.deepEqual(shared.records(new Map([[full.key, withoutSecretId]])).get(full.key), withoutSecretId);
  });

  it("gives a load that reads exactly the last map's records that map, and a map of its own when any record differs, is missing or is added", () => {
    const shared = new SharedStrings();
    const owned = new Map([
      [bare.key, bare],
      [full.key, full],
    ]);
    const first = shared.records(owned);
    assert.equal(shared.records(new Map(owned)), first, "the same records in the same order: one map");
    const other = { ...full, hash: "def456" };
    const changed = shared.records(
      new Map([
        [bare.key, bare],
        [full.key, other],
      ]),
    );
    assert.notEqual(changed, first);
    assert.deepEqual([...changed.values()], [bare, other]);
    const shorter = shared.records(new Map([[bare.key, bare]]));
    assert.deepEqual([...shorter.values()], [bare], "a prefix of the last map is a map of its own");
    const longer = shared.records(
      new Map([
        [bare.key, bare],
        [full.key, full],
      ]),
    );
    assert.deepEqual([...longer.values()], [bare, full]);
    assert.deepEqual([...first.values()], [bare, full], "a map given out is never changed");
    assert.deepEqual([...new SharedStrings().records(new Map()).values()], []);
  });

  it("tells records that differ from the last map's in when they were applied alone as a view of it, equal record for record", () => {
    const shared = new SharedStrings();
    const other: StateRecord = { ...full, key: "conn:other" as KeyString, appliedAt: "2026-01-03T00:00:00.000Z" };
    const base = shared.records(new Map([bare, full, other].map((r) => [r.key, r])));
    const later = "2026-03-01T00:00:00.000Z";
    const restamped = [bare, full, other].map((r) => ({ ...r, appliedAt: later }));
    const view = shared.records(new Map(restamped.map((r) => [r.key, r])));
    assert.ok(view instanceof RestampedRecords, "no map of its own");
    assert.equal(view.base, base);
    assert.equal(view.differing.size, 0);
    assertSameRecords(view, restamped);

    // A few records differing otherwise, or applied at a third time, are held by the view itself.
    const rotated = { ...full, version: "v-2", hash: "def456", appliedAt: "2026-04-01T00:00:00.000Z" };
    const mixed = [{ ...bare, appliedAt: later }, rotated, { ...other, appliedAt: later }];
    const partly = shared.records(new Map(mixed.map((r) => [r.key, r])));
    assert.ok(partly instanceof RestampedRecords);
    assert.deepEqual([...partly.differing.keys()], [full.key]);
    assertSameRecords(partly, mixed);
    assert.deepEqual([...base.values()], [bare, full, other], "the base is never changed");
  });

  it("tells records that differ only from the first on as a view too, keeping those the base held at another time", () => {
    const shared = new SharedStrings();
    const second: StateRecord = { ...full, key: "conn:second" as KeyString, appliedAt: bare.appliedAt };
    const third: StateRecord = { ...full, key: "conn:third" as KeyString, appliedAt: bare.appliedAt };
    const fourth: StateRecord = { ...full, key: "conn:fourth" as KeyString, appliedAt: bare.appliedAt };
    const records = [bare, full, second, third, fourth];
    shared.records(new Map(records.map((r) => [r.key, r])));
    // Exactly the base's until the last record, whose hash differs: `full` keeps its own time.
    const changed = [bare, full, second, third, { ...fourth, hash: "def456" }];
    const view = shared.records(new Map(changed.map((r) => [r.key, r])));
    assert.ok(view instanceof RestampedRecords);
    assert.deepEqual(new Set(view.differing.keys()), new Set([full.key, fourth.key]));
    assertSameRecords(view, changed);
  });

  it("gives records that mostly differ, or part from the base's keys, a map of their own, which the next load builds on", () => {
    const shared = new SharedStrings();
    const second: StateRecord = { ...full, key: "conn:second" as KeyString };
    shared.records(new Map([bare, full, second].map((r) => [r.key, r])));
    const mostly = [{ ...bare, hash: "x" }, { ...full, hash: "y" }, second];
    const own = shared.records(new Map(mostly.map((r) => [r.key, r])));
    assert.ok(!(own instanceof RestampedRecords));
    assertSameRecords(own, mostly);
    const later = mostly.map((r) => ({ ...r, appliedAt: "2026-05-01T00:00:00.000Z" }));
    const view = shared.records(new Map(later.map((r) => [r.key, r])));
    assert.ok(view instanceof RestampedRecords && view.base === own, "the map of its own is the next base");
    for (const parted of [
      [bare, second],
      [bare, full, second, { ...full, key: "conn:zz" as KeyString }],
      [full, bare, second],
    ]) {
      const stamped = parted.map((r) => ({ ...r, appliedAt: "2026-06-01T00:00:00.000Z" }));
      const made = shared.records(new Map(stamped.map((r) => [r.key, r])));
      assert.ok(!(made instanceof RestampedRecords), "other keys: a map of its own");
      assertSameRecords(made, stamped);
    }
  });

  it("gives target reads that list exactly the last key set's ids that set, and a set of their own otherwise", () => {
    const shared = new SharedStrings();
    const first = shared.presentKeys(["c1", "c2"], ["v1"]);
    assert.equal(shared.presentKeys(["c2", "c1"], ["v1"]), first);
    const other = shared.presentKeys(["c1"], ["v1"]);
    assert.notEqual(other, first);
    assert.equal(shared.presentKeys(["c1"], ["v1"]), other, "the last set made is the one shared next");
  });
});
