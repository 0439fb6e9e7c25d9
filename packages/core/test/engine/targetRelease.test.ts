import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowKey } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import type { ApplyOutcome, ApplyRequest, TargetSnapshot } from "@afsync/core/ports/DeploymentTarget";
import { InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { setup } from "./engineFixture.ts";

/** An in-memory target that logs the engine's read, apply and release calls in order. */
class LoggingTarget extends InMemoryDeploymentTarget {
  readonly calls: string[] = [];
  override async read(): Promise<TargetSnapshot> {
    this.calls.push("read");
    return super.read();
  }
  override async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    this.calls.push("apply");
    return super.apply(request);
  }
  release(): void {
    this.calls.push("release");
  }
}

function variables(source: InMemorySecretSource, n: number) {
  for (let i = 0; i < n; i++) source.setVariable(`v${i}`, `value-${i}`);
}

describe("the engine releases each target once it is done with it", () => {
  it("after a Deployment's apply, and only then, in a sync and in a plan", async () => {
    const { source, engine, binding } = setup({}, new LoggingTarget());
    variables(source, 3);
    const other: DeploymentBinding = { ...binding, id: "prod", target: new LoggingTarget() };
    const synced = await engine.sync([binding, other], FULL_RECONCILIATION);
    assert.equal(synced.summary.create, 6);
    for (const b of [binding, other]) assert.deepEqual((b.target as LoggingTarget).calls, ["read", "apply", "release"]);

    for (const b of [binding, other]) (b.target as LoggingTarget).calls.length = 0;
    await engine.plan([binding, other], FULL_RECONCILIATION);
    for (const b of [binding, other]) assert.deepEqual((b.target as LoggingTarget).calls, ["read", "release"]);
  });

  it("after explain has planned the key in every Deployment", async () => {
    const { source, engine, binding } = setup({}, new LoggingTarget());
    variables(source, 1);
    const key: AirflowKey = { kind: "variable", id: "v0" };
    await engine.explain(key, [binding]);
    assert.deepEqual((binding.target as LoggingTarget).calls, ["read", "release"]);
  });

  it("when a metadata-first fold drops a target it does not keep for planning, before reading it again", async () => {
    // 10,001 keys: a target's entries plus records pass the 20,000 the fold keeps, so it is read
    // for the fold, dropped, and read again when planned.
    const source = new InMemorySecretSource("team", { batchSize: 1000, listsVersions: true });
    variables(source, 10_001);
    const { engine, binding } = setup({ sources: [source] }, new LoggingTarget());
    await engine.sync([binding], FULL_RECONCILIATION);
    const target = binding.target as LoggingTarget;
    target.calls.length = 0;
    const noop = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(noop.summary.unchanged, 10_001);
    assert.deepEqual(target.calls, ["read", "release", "read", "release"]);
  });
});
