import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowValue, KeyString, StateRecord } from "@afsync/core";
import { AppliedVersions, type VersionReader } from "@afsync/core/engine/AppliedVersions";
import type { TargetEntry } from "@afsync/core/ports/DeploymentTarget";

const hash = (value: AirflowValue) => (value.kind === "variable" ? `h:${value.value}` : "h:conn");
const listed = (id: string, version: string, secretId = `vars/${id}`) => ({
  key: { kind: "variable" as const, id },
  secretId,
  version: { id: version },
});
const record = (id: string, version: string, overrides: Partial<StateRecord> = {}): StateRecord => ({
  key: `var:${id}` as KeyString,
  sourceId: "team",
  secretId: `vars/${id}`,
  version,
  hash: `h:value-${id}`,
  appliedAt: "2026-01-01T00:00:00.000Z",
  ...overrides,
});

/** A reader whose target holds each recorded key (with its recorded value when `readsValues`). */
function reader(
  records: StateRecord[],
  options: { include?: string[]; readsValues?: boolean; held?: Record<string, string> } = {},
): VersionReader {
  const entries = new Map<KeyString, TargetEntry>();
  for (const r of records) {
    const id = r.key.slice("var:".length);
    const value = options.held?.[id] ?? `value-${id}`;
    entries.set(r.key, { key: { kind: "variable", id }, ...(options.readsValues ? { value: { kind: "variable", value } } : {}) });
  }
  return {
    include: options.include ?? ["*"],
    exclude: [],
    readsValues: options.readsValues ?? false,
    snapshot: { entries },
    owned: new Map(records.map((r) => [r.key, r])),
  };
}

describe("AppliedVersions", () => {
  it("reads nothing where every selecting Deployment holds the listed version, and the key whose version moved", () => {
    const applied = new AppliedVersions("team", hash);
    applied.add(reader([record("a", "1"), record("b", "1")]));
    applied.add(reader([record("a", "1"), record("b", "1")]));
    assert.equal(applied.needsValue(listed("a", "1")), false);
    assert.equal(applied.needsValue(listed("b", "2")), true);
    assert.equal(applied.needsValue(listed("a", "1", "elsewhere/a")), true, "the same version of another secret");
  });

  it("reads a key one selecting Deployment lacks, and ignores Deployments whose globs skip the key", () => {
    const applied = new AppliedVersions("team", hash);
    applied.add(reader([record("a", "1")]));
    applied.add(reader([]));
    assert.equal(applied.needsValue(listed("a", "1")), true);

    const narrowed = new AppliedVersions("team", hash);
    narrowed.add(reader([record("a", "1")]));
    narrowed.add(reader([], { include: ["var:b*"] }));
    assert.equal(narrowed.needsValue(listed("a", "1")), false);
    assert.equal(narrowed.needsValue(listed("b", "1")), true, "selected by the second Deployment, which has no record");
    assert.equal(narrowed.needsValue(listed("zzz", "1")), true, "a new key the first Deployment selects");
  });

  it("reads a key two Deployments applied at different versions, or that one holds pending or from another source", () => {
    const behind = new AppliedVersions("team", hash);
    behind.add(reader([record("a", "1")]));
    behind.add(reader([record("a", "2")]));
    assert.equal(behind.needsValue(listed("a", "2")), true);

    const pending = new AppliedVersions("team", hash);
    pending.add(reader([record("a", "1", { hash: "pending" })]));
    assert.equal(pending.needsValue(listed("a", "1")), true);

    const other = new AppliedVersions("team", hash);
    other.add(reader([record("a", "1", { sourceId: "other" })]));
    assert.equal(other.needsValue(listed("a", "1")), true);
  });

  it("reads a key whose target lost it or holds a value edited by hand", () => {
    const lost = reader([record("a", "1")]);
    (lost.snapshot.entries as Map<KeyString, TargetEntry>).clear();
    const applied = new AppliedVersions("team", hash);
    applied.add(lost);
    assert.equal(applied.needsValue(listed("a", "1")), true);

    const drifted = new AppliedVersions("team", hash);
    drifted.add(reader([record("a", "1"), record("b", "1")], { readsValues: true, held: { b: "edited by hand" } }));
    assert.equal(drifted.needsValue(listed("a", "1")), false);
    assert.equal(drifted.needsValue(listed("b", "1")), true);
  });
});
