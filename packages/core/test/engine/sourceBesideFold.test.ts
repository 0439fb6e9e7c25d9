import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TargetSnapshot } from "@afsync/core";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { actions, pg, setup } from "./engineFixture.ts";

/** A target that notes, when it is read, how far the source's reads had got. */
class WatchedTarget extends InMemoryDeploymentTarget {
  readonly seenAtRead: { listCalls: number; readAllCalls: number }[] = [];
  source: InMemorySecretSource | undefined;

  override async read(): Promise<TargetSnapshot> {
    this.seenAtRead.push({ listCalls: this.source?.listCalls ?? -1, readAllCalls: this.source?.readAllCalls ?? -1 });
    return super.read();
  }
}

describe("the source's reads beside the targets' fold", () => {
  it("starts the listing before the target is read when the records are in the state store, and plans as before", async () => {
    const source = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true });
    for (let i = 0; i < 12; i++) source.setVariable(`v${i}`, `value-${i}`);
    source.setConnection("db", pg());
    const target = new WatchedTarget();
    target.source = source;
    const { engine, binding } = setup({ sources: [source], deletion: "delete" }, target);
    const first = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(Object.keys(actions(first)).length, 13);
    // A first sync: nothing applied, so the source is read whole, once the targets were folded.
    assert.deepEqual(target.seenAtRead[0], { listCalls: 0, readAllCalls: 0 });

    source.setVariable("v3", "rotated");
    const second = await engine.sync([binding], FULL_RECONCILIATION);
    // The store's records showed the source applied before the target's read: listed at once.
    assert.deepEqual(target.seenAtRead[1], { listCalls: 1, readAllCalls: 1 });
    assert.deepEqual(
      Object.entries(actions(second)).filter(([, a]) => a !== "unchanged"),
      [["var:v3", "update"]],
    );
    assert.equal(source.readCalls, 1, "only the changed value was read");
  });

  it("lists only once the manifest is read when the records are in the target", async () => {
    const source = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true }).setVariable("a", "1");
    const target = new WatchedTarget({ holdsState: true });
    target.source = source;
    const { engine, binding } = setup({ sources: [source] }, target);
    await engine.sync([binding], FULL_RECONCILIATION);
    const noop = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(target.seenAtRead[1], { listCalls: 0, readAllCalls: 1 });
    assert.equal(source.listCalls, 1);
    assert.deepEqual(actions(noop), { "var:a": "unchanged" });
  });

  it("reads a source that lists no versions whole without waiting for the targets", async () => {
    const listed = new InMemorySecretSource("listed", { batchSize: 10, listsVersions: true }).setVariable("a", "1");
    const whole = new InMemorySecretSource("whole", { batchSize: 10 }).setVariable("b", "2");
    const target = new WatchedTarget();
    target.source = whole;
    const { engine, binding } = setup({ sources: [listed, whole] }, target);
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    // `listed` needs the fold (a target is read for it); `whole` was already being read.
    assert.deepEqual(target.seenAtRead[0], { listCalls: 0, readAllCalls: 1 });
    assert.deepEqual(actions(report), { "var:a": "create", "var:b": "create" });
  });
});
