import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { actions, pg, ROTATED, setup } from "./engineFixture.ts";

/** A source that lists versions, N variables in it, synced once into `dev`. */
async function synced(n = 30) {
  const source = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true });
  for (let i = 0; i < n; i++) source.setVariable(`v${i}`, `value-${i}`);
  source.setConnection("db", pg());
  const fixture = setup({ sources: [source], deletion: "delete" });
  const first = await fixture.engine.sync([fixture.binding], FULL_RECONCILIATION);
  assert.equal(Object.keys(actions(first)).length, n + 1);
  return { ...fixture, source };
}

describe("metadata-first full reconciliation", () => {
  it("reads the source whole the first time, with no listing", async () => {
    const { source } = await synced();
    assert.deepEqual([source.readAllCalls, source.listCalls, source.readCalls], [1, 0, 0]);
  });

  it("lists and reads no value when nothing changed, planning every key unchanged with no write", async () => {
    const { source, engine, binding, target } = await synced();
    source.valuesRead = 0;
    const noop = await engine.sync([binding], FULL_RECONCILIATION);
    assert.ok(Object.values(actions(noop)).every((a) => a === "unchanged"));
    assert.deepEqual([source.listCalls, source.readAllCalls, source.readCalls, source.valuesRead], [1, 1, 0, 0]);
    assert.equal(noop.summary.writes, 0);
    assert.equal(target.applyCalls, 1, "only the first sync wrote");
  });

  it("reads exactly the changed key, and finds a deletion from the listing", async () => {
    const { source, engine, binding, target } = await synced();
    source.setConnection("db", pg(ROTATED));
    source.delete({ kind: "variable", id: "v4" });
    source.valuesRead = 0;
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    const changed = Object.entries(actions(report)).filter(([, a]) => a !== "unchanged");
    assert.deepEqual(changed, [
      ["conn:db", "update"],
      ["var:v4", "delete"],
    ]);
    assert.equal(source.valuesRead, 1);
    assert.equal(target.values.has("var:v4"), false);
  });

  it("reads a key the target lost or that was edited there, and restores it", async () => {
    const { source, engine, binding, target } = await synced();
    target.values.delete("var:v1");
    target.values.set("var:v2", { kind: "variable", value: "edited by hand" });
    source.valuesRead = 0;
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(
      Object.entries(actions(report)).filter(([, a]) => a !== "unchanged"),
      [
        ["var:v1", "create"],
        ["var:v2", "update"],
      ],
    );
    assert.equal(source.valuesRead, 2);
    assert.deepEqual(target.values.get("var:v2"), { kind: "variable", value: "value-2" });
  });

  it("reads a key for a Deployment that has not applied it, once, while the other plans it from state", async () => {
    const { source, engine, binding } = await synced(5);
    const prod: DeploymentBinding = { ...binding, id: "prod", target: new InMemoryDeploymentTarget() };
    source.valuesRead = 0;
    const report = await engine.sync([binding, prod], FULL_RECONCILIATION);
    assert.ok(Object.values(actions(report, 0)).every((a) => a === "unchanged"));
    assert.ok(Object.values(actions(report, 1)).every((a) => a === "create"));
    assert.equal(source.valuesRead, 6, "each value read once for both Deployments");
    assert.equal(source.listCalls, 1);
  });

  it("fails the Deployment and deletes nothing when the listing fails", async () => {
    const { source, engine, binding, target } = await synced(3);
    source.failListing("ListSecrets throttled");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.match(report.deployments[0]?.error ?? "", /could not be listed: ListSecrets throttled/);
    assert.equal(target.values.size, 4);
  });

  it("reads a key whose winner changed source: the lower source's value is read when the upper one drops it", async () => {
    const upper = new InMemorySecretSource("upper", { listsVersions: true }).setVariable("env", "from-upper");
    const lower = new InMemorySecretSource("lower", { listsVersions: true }).setVariable("env", "from-lower");
    const { engine, binding, target } = setup({ sources: [upper, lower], deletion: "delete" });
    await engine.sync([binding], FULL_RECONCILIATION);
    upper.delete({ kind: "variable", id: "env" });
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(report)["var:env"], "update");
    assert.deepEqual(target.values.get("var:env"), { kind: "variable", value: "from-lower" });
  });
});
