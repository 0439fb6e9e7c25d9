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
    assert.equal(shared.find(ks, { ...record }, [sm], reads), resolution, "an equal record that is another object");
    assert.equal(shared.find(ks, undefined, [sm], reads), undefined);
    assert.equal(shared.find(ks, record, [sm, vault], reads), undefined, "another list of sources");
    assert.equal(shared.find(ks, record, [vault], reads), undefined);
    assert.equal(shared.find(ks, record, [sm], readsOf({ sm: { listed: { version: "v1" } } })), undefined, "another listing");
    assert.equal(shared.find(ks, record, [sm], readsOf({ sm: { read: {}, listed } })), undefined, "a read where there was none");
    assert.equal(shared.find("var:b" as KeyString, record, [sm], reads), undefined);
  });

  it("shares a resolution between records that differ only where a resolution never looks (when, secret id, order)", () => {
    const shared = new SharedResolutions();
    const reads = readsOf({ sm: { listed: { version: "v1" } } });
    const applied: StateRecord = { ...record, version: "v1" };
    shared.keep(ks, applied, [sm], reads, resolution);
    const elsewhere: StateRecord = { ...applied, appliedAt: "2026-02-02T00:00:00.000Z", secretId: "other/id", versionOrder: 7 };
    assert.equal(shared.find(ks, elsewhere, [sm], reads), resolution);
    assert.equal(shared.find(ks, { ...applied, version: "v0" }, [sm], reads), undefined, "another version applied");
    assert.equal(shared.find(ks, { ...applied, hash: "h2" }, [sm], reads), undefined, "another value applied");
    assert.equal(shared.find(ks, { ...applied, hash: "pending" }, [sm], reads), undefined, "a create not yet confirmed");
    assert.equal(shared.find(ks, { ...applied, sourceId: "vault" }, [sm], reads), undefined, "applied from another source");
  });
});
