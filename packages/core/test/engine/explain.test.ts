import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionKey, variableKey } from "@afsync/core";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { assertNoSecretLeak, InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { PASSWORD, pg, ROTATED, setup } from "./engineFixture.ts";

describe("SyncEngine.explain", () => {
  it("shows every source and layer, masked, with the winner, the target's hash and ownership", async () => {
    const backend = new InMemorySecretSource("vault").setConnection("db", pg(ROTATED));
    const lower = new InMemorySecretSource("lower").setConnection("db", pg(ROTATED));
    const { source, engine, binding } = setup({ observe: { secretsBackend: backend } });
    source.setConnection("db", pg());
    const full = { ...binding, sources: [source, lower] };
    await engine.sync([full], FULL_RECONCILIATION);

    const report = await engine.explain(connectionKey("db"), [full]);
    const d = report.deployments[0];
    assert.ok(d !== undefined);
    assert.deepEqual(
      d.sources.map((s) => [s.source, s.rank, s.status, s.sameAsWinner]),
      [
        ["team", 1, "found", true],
        ["lower", 2, "found", false],
      ],
    );
    assert.deepEqual(d.sources[0]?.value, {
      kind: "connection",
      fields: { conn_type: "postgres", host: "db.internal", login: "app", password: "***", schema: "app", port: 5432, extra: null },
    });
    assert.equal(d.above[0]?.layer, "secrets-backend");
    assert.equal(d.above[0]?.sameAsWinner, false);
    assert.equal(d.winner?.source, "team");
    assert.equal(d.targetLayer.hash, d.winner?.hash);
    assert.equal(d.owned?.hash, d.winner?.hash);
    assert.equal(d.action, "shadowed");
    assert.equal(d.effective, "secrets-backend (vault)");
    assertNoSecretLeak([JSON.stringify(report)], [PASSWORD, ROTATED]);
  });

  it("reports presence only for a target that redacts values, and what a sync would do", async () => {
    const target = new InMemoryDeploymentTarget({ readsValues: false }).seed("var:env", { kind: "variable", value: "theirs" });
    const { source, engine, binding } = setup({}, target);
    source.setVariable("env", "ours");
    const report = await engine.explain(variableKey("env"), [binding]);
    const d = report.deployments[0];
    assert.equal(d?.targetLayer.status, "present");
    assert.equal(d?.targetLayer.hash, undefined);
    assert.equal(d?.owned, null);
    assert.equal(d?.action, "conflict");
    assert.deepEqual(d?.sources[0]?.value, { kind: "variable", value: "***" });
  });

  it("says why nothing wins when no source holds the key, and shows real values only when asked", async () => {
    const { source, engine, binding } = setup({ exclude: ["conn:*"] });
    source.setConnection("db", pg());
    const absent = await engine.explain(variableKey("nope"), [binding]);
    assert.equal(absent.deployments[0]?.why, "no source of this Deployment holds it");
    assert.equal(absent.deployments[0]?.effective, "none of the layers afsync knows holds it");
    const shown = await engine.explain(connectionKey("db"), [binding], { showSecrets: true });
    assert.equal(shown.deployments[0]?.selected, false);
    assert.equal(shown.deployments[0]?.action, null);
    const fields = shown.deployments[0]?.sources[0]?.value;
    assert.equal(fields?.kind === "connection" ? fields.fields.password : undefined, PASSWORD);
  });

  it("reports a target that cannot be read without failing the other Deployments", async () => {
    const broken = new InMemoryDeploymentTarget();
    broken.read = async () => {
      throw new Error("HTTP 503 from the Airflow API");
    };
    const { source, engine, binding } = setup();
    source.setVariable("env", "x");
    const report = await engine.explain(variableKey("env"), [{ ...binding, id: "a", target: broken }, binding]);
    assert.equal(report.deployments[0]?.targetLayer.status, "unreadable");
    assert.match(report.deployments[0]?.error ?? "", /503/);
    assert.equal(report.deployments[1]?.action, "create");
  });
});
