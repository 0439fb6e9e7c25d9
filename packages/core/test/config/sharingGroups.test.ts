import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { sharingGroups } from "../../src/config/sharingGroups.ts";

const deployment = (id: string, sources: string[], observed?: string) => ({
  id,
  sources,
  ...(observed === undefined ? {} : { observe: { secretsBackend: observed } }),
});

/** Each Deployment's group as "id: members", for comparing whole partitions. */
function partition(groups: ReturnType<typeof sharingGroups>): Record<string, string> {
  return Object.fromEntries([...groups].map(([d, g]) => [d, `${g.id}: ${g.members.join(",")}`]));
}

describe("sharingGroups", () => {
  it("puts Deployments that read one source in one group, named by its smallest Deployment id", () => {
    const groups = sharingGroups([deployment("prod", ["gcp"]), deployment("staging", ["gcp"]), deployment("dev", ["team"])]);
    assert.deepEqual(partition(groups), { prod: "prod: prod,staging", staging: "prod: prod,staging", dev: "dev: dev" });
  });

  it("is transitive: A and B share s1, B and C share s2 → one group of three", () => {
    const groups = sharingGroups([
      deployment("c", ["s2"]),
      deployment("a", ["s1"]),
      deployment("b", ["s2", "s1"]),
      deployment("d", ["s3"]),
    ]);
    assert.deepEqual(groups.get("c"), { id: "a", members: ["a", "b", "c"] });
    assert.equal(groups.get("a"), groups.get("c"), "one object per group");
    assert.deepEqual(groups.get("d"), { id: "d", members: ["d"] });
  });

  it("links through the secrets backend a Deployment observes (the engine reads it too)", () => {
    const groups = sharingGroups([deployment("x", ["a"], "backend"), deployment("y", ["backend"]), deployment("z", ["c"])]);
    assert.deepEqual(groups.get("y")?.members, ["x", "y"]);
    assert.deepEqual(groups.get("z")?.members, ["z"]);
  });

  it("gives a Deployment that shares nothing its own id, as the per-Deployment keys did", () => {
    assert.deepEqual(partition(sharingGroups([deployment("only", ["s"])])), { only: "only: only" });
    assert.equal(sharingGroups([]).size, 0);
  });

  it("orders ids by code units, not by locale", () => {
    assert.equal(sharingGroups([deployment("b", ["s"]), deployment("B", ["s"]), deployment("a", ["s"])]).get("a")?.id, "B");
  });

  it("does not depend on the order of the Deployments or of their sources", () => {
    const ids = ["a", "b", "c", "d", "e", "f", "g"];
    const sources = ["s1", "s2", "s3", "s4", "s5"];
    const config = fc.uniqueArray(
      fc.record({ id: fc.constantFrom(...ids), sources: fc.uniqueArray(fc.constantFrom(...sources), { minLength: 1, maxLength: 3 }) }),
      { selector: (d) => d.id, minLength: 1 },
    );
    fc.assert(
      fc.property(config, fc.infiniteStream(fc.nat()), (deployments, seeds) => {
        const shuffled = deployments
          .map((d) => ({ d: { ...d, sources: [...d.sources].reverse() }, k: seeds.next().value }))
          .sort((x, y) => x.k - y.k)
          .map((x) => x.d);
        const groups = sharingGroups(deployments);
        assert.deepEqual(partition(sharingGroups(shuffled)), partition(groups));
        for (const d of deployments) {
          const group = groups.get(d.id);
          assert.ok(group?.members.includes(d.id));
          assert.equal(group?.id, group?.members[0], "the id is the smallest member");
          // Two Deployments reading one source are always in one group.
          for (const other of deployments) if (other.sources.some((s) => d.sources.includes(s))) assert.equal(groups.get(other.id), group);
        }
      }),
    );
  });
});
