import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowKey, KeyString, StateRecord } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { RestampedRecords } from "@afsync/core/engine/RestampedRecords";
import { SharedScope } from "@afsync/core/engine/SharedScope";
import type { SecretSource } from "@afsync/core/ports/SecretSource";

describe("SharedScope", () => {
  const sm = { id: "sm" } as SecretSource;
  const vault = { id: "vault" } as SecretSource;
  const binding = (id: string, overrides: Partial<DeploymentBinding> = {}) =>
    ({ id, sources: [sm], include: ["*"], exclude: [], ...overrides }) as DeploymentBinding;
  const record: StateRecord = { key: "var:a" as KeyString, sourceId: "sm", hash: "h", appliedAt: "2026-01-01T00:00:00.000Z" };
  const owned = new Map([[record.key, record]]);
  /** A scope `make` gives, counting its calls. */
  const maker = () => {
    const made: ReadonlyMap<KeyString, AirflowKey>[] = [];
    return {
      made,
      make: () => {
        const scope = new Map<KeyString, AirflowKey>([[record.key, { kind: "variable", id: "a" }]]);
        made.push(scope);
        return scope;
      },
    };
  };

  it("gives Deployments that select alike, from the same key set or a view of it, the last scope made", () => {
    const scopes = new SharedScope();
    const { made, make } = maker();
    const first = scopes.scopeOf(binding("d0"), owned, make);
    assert.equal(scopes.scopeOf(binding("d1"), owned, make), first, "another Deployment with equal sources and globs");
    const view = new RestampedRecords(owned, "2026-02-01T00:00:00.000Z", new Map());
    assert.equal(scopes.scopeOf(binding("d2"), view, make), first, "records applied at another time: the same keys");
    assert.equal(made.length, 1);
  });

  it("makes a scope of its own for other sources, other globs or another key set, which is then the last", () => {
    const scopes = new SharedScope();
    const { made, make } = maker();
    scopes.scopeOf(binding("d0"), owned, make);
    for (const [other, records] of [
      [binding("d1", { sources: [sm, vault] }), owned],
      [binding("d2", { sources: [vault] }), owned],
      [binding("d3", { include: ["var:*"] }), owned],
      [binding("d4", { exclude: ["var:b"] }), owned],
      [binding("d5"), new Map(owned)],
    ] as const) {
      const before = made.length;
      const scope = scopes.scopeOf(other, records, make);
      assert.equal(made.length, before + 1, other.id);
      assert.equal(scopes.scopeOf({ ...other, id: `${other.id}-again` }, records, make), scope, `${other.id}: then shared`);
    }
  });
});
