import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString, StateRecord } from "@afsync/core";
import type { Resolution } from "@afsync/core/engine/resolvePrecedence";
import { SharedResolutions } from "@afsync/core/engine/SharedResolutions";
import type { SourceReadSet } from "@afsync/core/engine/SourceReadSet";
import type { SecretSource } from "@afsync/core/ports/SecretSource";

describe("SharedResolutions", () => {
  const ks = "var:a" as KeyString;
  const resolution: Resolution = { key: { kind: "variable", id: "a" }, keyString: ks, candidates: [], outcome: { kind: "absent" } };
  const record: StateRecord = { key: ks, sourceId: "sm", hash: "h", appliedAt: "2026-01-01T00:00:00.000Z" };
  const sm = { id: "sm" } as SecretSource;
  const vault = { id: "vault" } as SecretSource;
  /** What the engine's reads answer, per source id: the read and the listing of the key. */
  const readsOf = (answers: Record<string, { read?: object; listed?: object }>) =>
    ({ get: (id: string) => answers[id]?.read, listedOnly: (id: string) => answers[id]?.listed }) as unknown as SourceReadSet;

  it("gives the last resolution of a key back for the very same inputs, and nothing for any other", () => {
    const shared = new SharedResolutions();
    const listed = { version: "v1" };
    const reads = readsOf({ sm: { listed } });
    assert.equal(shared.find(ks, record, [sm], reads), undefined);
    shared.keep(ks, record, [sm], reads, resolution);
    assert.equal(shared.find(ks, record, [sm], reads), resolution);
    assert.equal(shared.find(ks, record, [sm], readsOf({ sm: { listed } })), resolution, "the same objects read again");
    assert.equal(shared.find(ks, { ...record }, [sm], reads), undefined, "an equal record that is another object");
    assert.equal(shared.find(ks, undefined, [sm], reads), undefined);
    assert.equal(shared.find(ks, record, [sm, vault], reads), undefined, "another list of sources");
    assert.equal(shared.find(ks, record, [vault], reads), undefined);
    assert.equal(shared.find(ks, record, [sm], readsOf({ sm: { listed: { version: "v1" } } })), undefined, "another listing");
    assert.equal(shared.find(ks, record, [sm], readsOf({ sm: { read: {}, listed } })), undefined, "a read where there was none");
    assert.equal(shared.find("var:b" as KeyString, record, [sm], reads), undefined);
  });
});
