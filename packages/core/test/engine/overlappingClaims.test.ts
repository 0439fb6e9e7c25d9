import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyString } from "@afsync/core";
import { overlappingClaims } from "@afsync/core/engine/overlappingClaims";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { pg, setup } from "./engineFixture.ts";

const claim = (deploymentId: string, scope: string, keys: string[]) => ({
  deploymentId,
  scope,
  target: `Airflow at ${scope}`,
  keys: new Set(keys as KeyString[]),
});

describe("overlappingClaims", () => {
  it("names both Deployments and the shared keys, and fails each of them", () => {
    const errors = overlappingClaims([
      claim("team-a", "airflow-api http://airflow", ["conn:db", "var:a"]),
      claim("team-b", "airflow-api http://airflow", ["conn:db", "var:b"]),
    ]);
    assert.deepEqual([...errors.keys()], ["team-a", "team-b"]);
    const message = errors.get("team-a") ?? "";
    assert.equal(errors.get("team-b"), message);
    assert.match(message, /Deployment team-a and Deployment team-b would both write conn:db of Airflow at airflow-api http:\/\/airflow/);
    assert.doesNotMatch(message, /var:a|var:b/);
    assert.match(message, /nothing was written/);
  });

  it("lets Deployments share a target when their keys are disjoint, and ignores other targets", () => {
    assert.equal(
      overlappingClaims([
        claim("team-a", "airflow-api http://airflow", ["var:a"]),
        claim("team-b", "airflow-api http://airflow", ["var:b"]),
        claim("team-c", "airflow-api http://other", ["var:a", "var:b"]),
      ]).size,
      0,
    );
  });

  it("names the first keys and counts the rest", () => {
    const keys = Array.from({ length: 8 }, (_, i) => `var:k${i}`);
    const message = overlappingClaims([claim("a", "s", keys), claim("b", "s", keys)]).get("a") ?? "";
    assert.match(message, /var:k0, var:k1, var:k2, var:k3, var:k4 and 3 more/);
  });
});

describe("SyncEngine with overlapping claims", () => {
  it("fails both Deployments before writing either, and syncs the Deployment that claims alone", async () => {
    const { source, engine, binding, target } = setup(
      { id: "team-a", include: ["conn:*", "var:a*"] },
      new InMemoryDeploymentTarget({ claimScope: "one" }),
    );
    const shared = new InMemoryDeploymentTarget({ claimScope: "one" });
    const other = new InMemoryDeploymentTarget({ claimScope: "two" });
    source.setConnection("db", pg()).setVariable("a1", "x").setVariable("b1", "y");
    const teamB = { ...binding, id: "team-b", target: shared, include: ["conn:db", "var:b*"] };
    const teamC = { ...binding, id: "team-c", target: other, include: ["*"] };

    for (const run of [engine.plan.bind(engine), engine.sync.bind(engine)]) {
      const report = await run([binding, teamB, teamC], FULL_RECONCILIATION);
      const [a, b, c] = report.deployments;
      assert.equal(a?.status, "failed");
      assert.equal(b?.status, "failed");
      assert.match(a?.error ?? "", /Deployment team-a and Deployment team-b would both write conn:db/);
      assert.equal(b?.error, a?.error);
      assert.equal(c?.status, "ok");
    }
    assert.equal(target.applyCalls, 0);
    assert.equal(shared.applyCalls, 0);
    assert.equal(other.applyCalls, 1);
  });

  it("checks the claims before the first write, however late in the config the overlapping pair comes", async () => {
    // Deployments are planned and applied one after another; the claims must not wait for that.
    const { source, engine, binding, target } = setup({ id: "solo" }, new InMemoryDeploymentTarget({ claimScope: "solo" }));
    source.setVariable("a1", "x");
    const firstOfPair = new InMemoryDeploymentTarget({ claimScope: "pair" });
    const secondOfPair = new InMemoryDeploymentTarget({ claimScope: "pair" });
    const report = await engine.sync(
      [binding, { ...binding, id: "team-a", target: firstOfPair }, { ...binding, id: "team-b", target: secondOfPair }],
      FULL_RECONCILIATION,
    );
    assert.deepEqual(
      report.deployments.map((d) => [d.id, d.status]),
      [
        ["solo", "ok"],
        ["team-a", "failed"],
        ["team-b", "failed"],
      ],
    );
    assert.match(report.deployments[2]?.error ?? "", /Deployment team-a and Deployment team-b would both write var:a1/);
    assert.equal(target.applyCalls, 1);
    assert.equal(firstOfPair.applyCalls + secondOfPair.applyCalls, 0);
    // The targets read for the claims are planned from, not read a second time.
    assert.equal(firstOfPair.readCalls, 1);
    assert.equal(secondOfPair.readCalls, 1);
  });

  it("passes when the globs keep the claims apart", async () => {
    const source = new InMemorySecretSource("team", { batchSize: 10 });
    source.setVariable("a1", "x").setVariable("b1", "y");
    const { engine, binding } = setup(
      { id: "team-a", sources: [source], include: ["var:a*"] },
      new InMemoryDeploymentTarget({ claimScope: "one" }),
    );
    const teamB = {
      ...binding,
      id: "team-b",
      target: new InMemoryDeploymentTarget({ claimScope: "one" }),
      include: ["var:*"],
      exclude: ["var:a*"],
    };
    const report = await engine.sync([binding, teamB], FULL_RECONCILIATION);
    assert.deepEqual(
      report.deployments.map((d) => d.status),
      ["ok", "ok"],
    );
  });
});
