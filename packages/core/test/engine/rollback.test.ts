import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { variableKey } from "@afsync/core";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { InMemorySecretSource } from "@afsync/testing";
import { actions, setup } from "./engineFixture.ts";

const TOKEN = variableKey("api_token");
const tokenIn = (target: { values: ReadonlyMap<string, unknown> }) => target.values.get("var:api_token");

/** A key synced at v1, then rotated to v2 (a bad rotation the operator wants undone). */
async function rotated() {
  const fx = setup();
  fx.source.setVariable("api_token", "good-token-v1", { id: "v1", order: 1 });
  await fx.engine.sync([fx.binding], FULL_RECONCILIATION);
  fx.source.setVariable("api_token", "bad-token-v2", { id: "v2", order: 2 });
  await fx.engine.sync([fx.binding], FULL_RECONCILIATION);
  assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "bad-token-v2" });
  return fx;
}

describe("SyncEngine.rollback", () => {
  it("re-applies the older version through plan and apply, and pins it against the next reconciliation", async () => {
    const fx = await rotated();
    const report = await fx.engine.rollback({ key: TOKEN, version: "v1" }, [fx.binding]);
    assert.deepEqual(actions(report), { "var:api_token": "update" });
    assert.equal(report.deployments[0]?.changes[0]?.version, "v1");
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "good-token-v1" });
    const pin = (await fx.state.loadPins("dev")).get("var:api_token");
    assert.deepEqual(
      { version: pin?.version, heldOver: pin?.heldOver, sourceId: pin?.sourceId },
      { version: "v1", heldOver: "v2", sourceId: "team" },
    );

    const next = await fx.engine.sync([fx.binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(next), { "var:api_token": "unchanged" }, "the pinned version is what the target holds");
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "good-token-v1" });
    assert.equal(fx.state.records("dev")[0]?.version, "v1");
  });

  it("ends the pin when the provider gets a new version, and applies that", async () => {
    const fx = await rotated();
    await fx.engine.rollback({ key: TOKEN, version: "v1" }, [fx.binding]);
    fx.source.setVariable("api_token", "fixed-token-v3", { id: "v3", order: 3 });
    const next = await fx.engine.sync([fx.binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(next), { "var:api_token": "update" });
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "fixed-token-v3" });
    assert.equal((await fx.state.loadPins("dev")).size, 0);
  });

  it("releases a pin on request; the next reconciliation applies the current version", async () => {
    const fx = await rotated();
    await fx.engine.rollback({ key: TOKEN, version: "v1" }, [fx.binding]);
    const released = await fx.engine.releasePins(TOKEN, [fx.binding]);
    assert.deepEqual(
      released.map((r) => `${r.deploymentId} ${r.pin.version}`),
      ["dev v1"],
    );
    await fx.engine.sync([fx.binding], FULL_RECONCILIATION);
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "bad-token-v2" });
  });

  it("plans only with dryRun: nothing written, nothing pinned", async () => {
    const fx = await rotated();
    const report = await fx.engine.rollback({ key: TOKEN, version: "v1" }, [fx.binding], { dryRun: true });
    assert.equal(report.mode, "plan");
    assert.deepEqual(actions(report), { "var:api_token": "update" });
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "bad-token-v2" });
    assert.equal((await fx.state.loadPins("dev")).size, 0);
  });

  it("fails the Deployment, naming the version, when the provider no longer holds it", async () => {
    const fx = await rotated();
    const report = await fx.engine.rollback({ key: TOKEN, version: "v9" }, [fx.binding]);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.match(report.deployments[0]?.error ?? "", /holds no version 'v9' of var:api_token/);
    assert.deepEqual(tokenIn(fx.target), { kind: "variable", value: "bad-token-v2" });
  });

  it("refuses a source that keeps no versions, saying so", async () => {
    const fx = setup();
    const files = new InMemorySecretSource("team-files", { provider: "local" });
    files.setVariable("api_token", "only-value");
    Object.defineProperty(files, "readVersion", { value: undefined });
    const binding = { ...fx.binding, sources: [files] };
    await fx.engine.sync([binding], FULL_RECONCILIATION);
    const report = await fx.engine.rollback({ key: TOKEN, version: "v1" }, [binding]);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.match(report.deployments[0]?.error ?? "", /source team-files \(local\) keeps no versions/);
  });
});
