import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type KeyString, keyString } from "@afsync/core";
import type { TargetEntry } from "@afsync/core/ports/DeploymentTarget";
import { PresentKeys } from "@afsync/core/ports/PresentKeys";
import fc from "fast-check";

/** The Map a target built before PresentKeys: one entry per id, as the listing gave them. */
function asMap(connectionIds: readonly string[], variableKeys: readonly string[]): Map<KeyString, TargetEntry> {
  const entries = new Map<KeyString, TargetEntry>();
  for (const id of connectionIds) entries.set(keyString({ kind: "connection", id }), { key: { kind: "connection", id } });
  for (const id of variableKeys) entries.set(keyString({ kind: "variable", id }), { key: { kind: "variable", id } });
  return entries;
}

const byKey = (a: [KeyString, TargetEntry], b: [KeyString, TargetEntry]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

describe("PresentKeys", () => {
  it("answers size, has, get and iteration as a Map of the same ids would, repeats and odd ids included", () => {
    const id = fc.oneof(fc.constantFrom("a", "b", "conn:x", "var:y", "", "é", "Z"), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 30 }),
        fc.array(id, { maxLength: 30 }),
        fc.array(id, { maxLength: 10 }),
        (conns, vars, probes) => {
          const expected = asMap(conns, vars);
          const present = new PresentKeys([...conns], [...vars]);
          assert.equal(present.size, expected.size);
          assert.deepEqual([...present].sort(byKey), [...expected].sort(byKey));
          assert.deepEqual([...present.keys()].sort(), [...expected.keys()].sort());
          assert.equal([...present.values()].length, expected.size);
          const seen: KeyString[] = [];
          present.forEach((entry, ks, map) => {
            assert.equal(map, present);
            assert.equal(keyString(entry.key), ks);
            seen.push(ks);
          });
          assert.equal(seen.length, expected.size);
          const asked = [...probes.map((p) => `conn:${p}`), ...probes.map((p) => `var:${p}`), ...probes, ...expected.keys()] as KeyString[];
          for (const ks of asked) {
            assert.equal(present.has(ks), expected.has(ks), ks);
            assert.deepEqual(present.get(ks), expected.get(ks), ks);
          }
        },
      ),
    );
  });

  it("is shared by a listing of exactly the same ids, in any order and with repeats, and not by any other", () => {
    const first = PresentKeys.sharing(undefined, ["b", "a"], ["x"]);
    assert.equal(PresentKeys.sharing(first, ["a", "b", "a"], ["x"]), first);
    const more = PresentKeys.sharing(first, ["a", "b", "c"], ["x"]);
    assert.notEqual(more, first);
    assert.equal(more.has("conn:c" as KeyString), true);
    assert.notEqual(PresentKeys.sharing(first, ["a", "b"], ["y"]), first, "a variable differs");
    assert.notEqual(PresentKeys.sharing(first, ["a", "b"], []), first);
    assert.equal(first.has("conn:c" as KeyString), false, "the set shared is never changed");
  });
});
