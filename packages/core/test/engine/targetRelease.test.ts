import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowKey } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import type { ApplyOutcome, ApplyRequest, StringPool, TargetSnapshot } from "@afsync/core/ports/DeploymentTarget";
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

/** A presence-only target, as the Airflow REST API is: its key set comes from the run's pool (`StringPool.presentKeys`). */
class PresenceTarget extends LoggingTarget {
  override async read(strings?: StringPool): Promise<TargetSnapshot> {
    const { entries, ...rest } = await super.read();
    const ids = (kind: string) => [...entries.values()].filter((e) => e.key.kind === kind).map((e) => e.key.id);
    const present = strings?.presentKeys?.(ids("connection"), ids("variable"));
    assert.ok(present !== undefined, "the engine reads with the run's pool");
    return { ...rest, entries: present };
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

  /** A one-Deployment no-op over `keys` variables, after the sync that created them: the target's calls in it. */
  async function noopCalls(keys: number): Promise<string[]> {
    const source = new InMemorySecretSource("team", { batchSize: 1000, listsVersions: true });
    variables(source, keys);
    const { engine, binding } = setup({ sources: [source] }, new LoggingTarget());
    await engine.sync([binding], FULL_RECONCILIATION);
    const target = binding.target as LoggingTarget;
    target.calls.length = 0;
    const noop = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(noop.summary.unchanged, keys);
    return target.calls;
  }

  it("keeps a target's key set alone when its records do not fit beside it, and loads the records again from the state store", async () => {
    // 10,001 keys: entries plus records pass the 20,000 the fold keeps, the entries alone do not;
    // the records live in the state store, apart from the target, so the target is read once.
    assert.deepEqual(await noopCalls(10_001), ["read", "release"]);
  });

  it("when a metadata-first fold drops a target it does not keep for planning, before reading it again", async () => {
    // 20,001 keys: even the target's entries alone pass the 20,000 the fold keeps, so it is read
    // for the fold, dropped, and read again when planned.
    assert.deepEqual(await noopCalls(20_001), ["read", "release", "read", "release"]);
  });

  it("reads each target once for Deployments applied by runs of their own: their shared key set is kept, their records loaded again", async () => {
    // 8,000 keys: the first target kept whole is 16,000 entries and records; the others' records
    // differ from it (applied at other times), so they would pass the 20,000, while their key set
    // is the first's and costs nothing more to keep.
    const source = new InMemorySecretSource("team", { batchSize: 1000, listsVersions: true });
    variables(source, 8_000);
    const { engine, binding, clock } = setup({ sources: [source] }, new PresenceTarget());
    const others = [1, 2].map((i): DeploymentBinding => ({ ...binding, id: `dep-${i}`, target: new PresenceTarget() }));
    const all = [binding, ...others];
    for (const b of all) {
      await engine.sync([b], FULL_RECONCILIATION);
      clock.advance(60_000);
    }
    for (const b of all) (b.target as LoggingTarget).calls.length = 0;
    const noop = await engine.sync(all, FULL_RECONCILIATION);
    assert.equal(noop.summary.unchanged, 24_000);
    assert.equal(noop.summary.writes, 0);
    for (const b of all) assert.deepEqual((b.target as LoggingTarget).calls, ["read", "release"], b.id);
  });

  it("keeps every target of Deployments in step from the fold: their shared key set and records count once", async () => {
    // 6,000 keys: one target's entries plus records (12,000) fit in the 20,000 the fold keeps,
    // two would not (24,000) were the second's not the very key set and records of the first.
    const source = new InMemorySecretSource("team", { batchSize: 1000, listsVersions: true });
    variables(source, 6_000);
    const { engine, binding } = setup({ sources: [source] }, new PresenceTarget());
    const others = [1, 2].map((i): DeploymentBinding => ({ ...binding, id: `dep-${i}`, target: new PresenceTarget() }));
    const all = [binding, ...others];
    await engine.sync(all, FULL_RECONCILIATION);
    for (const b of all) (b.target as LoggingTarget).calls.length = 0;
    const noop = await engine.sync(all, FULL_RECONCILIATION);
    assert.equal(noop.summary.unchanged, 18_000);
    for (const b of all) assert.deepEqual((b.target as LoggingTarget).calls, ["read", "release"], b.id);
  });

  it("reads a target again when its own key set does not fit beside the ones kept (Deployments not in step)", async () => {
    // 8,000 keys: the first target kept is 16,000 entries and records; the second's records are
    // the first's, but its key set is its own (8,001 entries), which passes the 20,000.
    const source = new InMemorySecretSource("team", { batchSize: 1000, listsVersions: true });
    variables(source, 8_000);
    const { engine, binding } = setup({ sources: [source] }, new PresenceTarget());
    const other: DeploymentBinding = { ...binding, id: "dep-1", target: new PresenceTarget() };
    await engine.sync([binding, other], FULL_RECONCILIATION);
    // Drift in the second Deployment's Airflow: one key more there than in the first's.
    await other.target.apply({
      upserts: [{ key: { kind: "variable", id: "extra" }, value: { kind: "variable", value: "x" } }],
      deletes: [],
      manifest: [],
    });
    for (const b of [binding, other]) (b.target as LoggingTarget).calls.length = 0;
    await engine.sync([binding, other], FULL_RECONCILIATION);
    assert.deepEqual((binding.target as LoggingTarget).calls, ["read", "release"]);
    assert.deepEqual((other.target as LoggingTarget).calls, ["read", "release", "read", "release"]);
  });
});
