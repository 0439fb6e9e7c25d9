import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString, StateRecord } from "@afsync/core";
import { SharedStrings } from "@afsync/core/engine/SharedStrings";

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

  it("gives target reads that list exactly the last key set's ids that set, and a set of their own otherwise", () => {
    const shared = new SharedStrings();
    const first = shared.presentKeys(["c1", "c2"], ["v1"]);
    assert.equal(shared.presentKeys(["c2", "c1"], ["v1"]), first);
    const other = shared.presentKeys(["c1"], ["v1"]);
    assert.notEqual(other, first);
    assert.equal(shared.presentKeys(["c1"], ["v1"]), other, "the last set made is the one shared next");
  });
});
