import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectionKey, keyString, variableKey } from "@afsync/core";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { assertNoSecretLeak, createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import { actions, PASSWORD, pg, ROTATED, setup } from "./engineFixture.ts";

describe("SyncEngine.sync", () => {
  it("creates every key, then a second sync performs zero writes", async () => {
    const { source, target, engine, binding, state } = setup();
    source.setConnection("db", pg()).setVariable("env", "dev");
    const first = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(first), { "conn:db": "create", "var:env": "create" });
    assert.equal(first.summary.writes, 1, "both creates land in one write");
    assert.deepEqual(target.values.get("var:env"), { kind: "variable", value: "dev" });
    assert.equal(state.records("dev").length, 2);

    const second = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(second), { "conn:db": "unchanged", "var:env": "unchanged" });
    assert.equal(second.summary.writes, 0);
    assert.equal(target.applyCalls, 1);
  });

  it("updates only the key that changed, with a masked diff", async () => {
    const { source, target, engine, binding } = setup();
    source.setConnection("db", pg()).setVariable("env", "dev");
    await engine.sync([binding], FULL_RECONCILIATION);
    source.setConnection("db", pg(ROTATED, "db2.internal"));
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(report), { "conn:db": "update", "var:env": "unchanged" });
    const change = report.deployments[0]?.changes.find((c) => c.key === "conn:db");
    assert.deepEqual(change?.diff, [
      { field: "host", before: "db.internal", after: "db2.internal" },
      { field: "password", before: "***", after: "***" },
    ]);
    assert.equal(target.requests.at(-1)?.upserts.length, 1);
    assertNoSecretLeak([JSON.stringify(report)], [PASSWORD, ROTATED]);
  });

  it("lets the first listed source win and reports the shadowed ones by hash", async () => {
    const first = new InMemorySecretSource("first").setConnection("db", pg());
    const second = new InMemorySecretSource("second").setConnection("db", pg(ROTATED)).setConnection("other", pg());
    const third = new InMemorySecretSource("third").setConnection("db", pg());
    const { target, engine, binding } = setup({ sources: [first, second, third] });
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    const change = report.deployments[0]?.changes.find((c) => c.key === "conn:db");
    assert.equal(change?.source, "first");
    assert.deepEqual(change?.shadowedSources, [
      { source: "second", same: false },
      { source: "third", same: true },
    ]);
    const written = target.values.get("conn:db");
    assert.equal(written?.kind === "connection" ? written.connection.password : undefined, PASSWORD);
    assert.equal(report.deployments[0]?.changes.find((c) => c.key === "conn:other")?.source, "second");
  });

  it("leaves a key it does not own untouched as a conflict, and takes it over with adopt", async () => {
    const target = new InMemoryDeploymentTarget().seed("conn:db", { kind: "connection", connection: pg("theirs-Pw-0000") });
    const { source, engine, binding } = setup({}, target);
    source.setConnection("db", pg());
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(report)["conn:db"], "conflict");
    assert.match(report.deployments[0]?.changes[0]?.reason ?? "", /did not write it/);
    assert.equal(target.applyCalls, 0);
    const held = target.values.get("conn:db");
    assert.equal(held?.kind === "connection" ? held.connection.password : undefined, "theirs-Pw-0000");

    const adopted = await engine.sync([{ ...binding, adopt: true }], FULL_RECONCILIATION);
    assert.equal(actions(adopted)["conn:db"], "update");
    const now = target.values.get("conn:db");
    assert.equal(now?.kind === "connection" ? now.connection.password : undefined, PASSWORD);
  });

  it("reports a key gone from every source as orphaned under retain, deletes it under delete", async () => {
    const { source, target, engine, binding } = setup();
    source.setConnection("db", pg()).setVariable("env", "dev");
    target.seed("var:theirs", { kind: "variable", value: "x" });
    await engine.sync([binding], FULL_RECONCILIATION);
    source.delete(variableKey("env"));
    const retained = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(retained)["var:env"], "orphaned");
    assert.ok(target.values.has("var:env"));

    const deleted = await engine.sync([{ ...binding, deletion: "delete" }], FULL_RECONCILIATION);
    assert.equal(actions(deleted)["var:env"], "delete");
    assert.equal(target.values.has("var:env"), false);
    assert.ok(target.values.has("var:theirs"), "a key afsync never wrote is never deleted");
    const again = await engine.sync([{ ...binding, deletion: "delete" }], FULL_RECONCILIATION);
    assert.equal(actions(again)["var:env"], undefined, "once deleted, afsync no longer owns it");
  });

  it("restores a value edited in the target by hand, and only where the target can show values", async () => {
    const { source, target, engine, binding } = setup();
    source.setVariable("env", "dev");
    await engine.sync([binding], FULL_RECONCILIATION);
    target.values.set("var:env", { kind: "variable", value: "edited by hand" });
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(report)["var:env"], "update");
    assert.match(report.deployments[0]?.changes[0]?.reason ?? "", /changed outside afsync/);
    assert.deepEqual(target.values.get("var:env"), { kind: "variable", value: "dev" });
    assert.equal((await engine.sync([binding], FULL_RECONCILIATION)).summary.writes, 0);

    const blind = new InMemoryDeploymentTarget({ readsValues: false });
    const other = setup({}, blind);
    other.source.setVariable("env", "dev");
    await other.engine.sync([other.binding], FULL_RECONCILIATION);
    blind.values.set("var:env", { kind: "variable", value: "edited by hand" });
    assert.equal(actions(await other.engine.sync([other.binding], FULL_RECONCILIATION))["var:env"], "unchanged");
  });

  it("reports an invalid value without pushing it; the last good value stays", async () => {
    const { source, target, engine, binding } = setup();
    source.setConnection("db", pg());
    await engine.sync([binding], FULL_RECONCILIATION);
    source.setInvalid(connectionKey("db"), "not a connection URI: no scheme");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(report)["conn:db"], "invalid");
    assert.match(report.deployments[0]?.changes[0]?.reason ?? "", /no scheme; the target keeps its current value/);
    assert.ok(runHasFailures(report));
    const held = target.values.get("conn:db");
    assert.equal(held?.kind === "connection" ? held.connection.password : undefined, PASSWORD);
  });

  it("reports a key Airflow would refuse as invalid and does not push it", async () => {
    const { source, target, engine, binding } = setup();
    source.setConnection("bad id <script>", pg()).setConnection("good", pg());
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(report)["conn:bad id <script>"], "invalid");
    assert.match(
      report.deployments[0]?.changes.find((c) => c.action === "invalid")?.reason ?? "",
      /not a valid Airflow key: the conn_id may contain only/,
    );
    assert.deepEqual([...target.values.keys()], ["conn:good"]);
  });

  it("never replaces a value with one from an older source version", async () => {
    const { source, target, engine, binding } = setup();
    source.setConnection("db", pg(), { id: "v5", order: 5 });
    await engine.sync([binding], FULL_RECONCILIATION);
    source.setConnection("db", pg(ROTATED), { id: "v3", order: 3 });
    const report = await engine.sync([binding], { kind: "hints", hints: [{ provider: "memory", secretId: "conn:db", action: "upsert" }] });
    assert.equal(actions(report)["conn:db"], "unchanged");
    assert.match(report.deployments[0]?.changes[0]?.reason ?? "", /older than the applied v5/);
    const held = target.values.get("conn:db");
    assert.equal(held?.kind === "connection" ? held.connection.password : undefined, PASSWORD);
  });

  it("compares versions only for a source that declares them ordered", async () => {
    const unordered = new InMemorySecretSource("team", { batchSize: 10, orderedVersions: false });
    const { target, engine, binding } = setup();
    const over = { ...binding, sources: [unordered] };
    unordered.setConnection("db", pg(), { id: "v5", order: 5 });
    await engine.sync([over], FULL_RECONCILIATION);
    unordered.setConnection("db", pg(ROTATED), { id: "v3", order: 3 });
    const report = await engine.sync([over], { kind: "hints", hints: [{ provider: "memory", secretId: "conn:db", action: "upsert" }] });
    assert.equal(actions(report)["conn:db"], "update");
    const held = target.values.get("conn:db");
    assert.equal(held?.kind === "connection" ? held.connection.password : undefined, ROTATED);
  });

  it("isolates a failing Deployment: the others are still applied and each is reported", async () => {
    const broken = new InMemoryDeploymentTarget({ describe: "broken" }).failNextApply("connection refused");
    const healthy = new InMemoryDeploymentTarget({ describe: "healthy" });
    const { source, engine, binding } = setup();
    source.setConnection("db", pg());
    const report = await engine.sync(
      [
        { ...binding, id: "a", target: broken },
        { ...binding, id: "b", target: healthy },
      ],
      FULL_RECONCILIATION,
    );
    assert.deepEqual(
      report.deployments.map((d) => [d.id, d.status]),
      [
        ["a", "failed"],
        ["b", "ok"],
      ],
    );
    assert.match(report.deployments[0]?.error ?? "", /connection refused/);
    assert.ok(healthy.values.has("conn:db"));
    assert.equal(report.summary.failed, 1);
    const retry = await engine.sync([{ ...binding, id: "a", target: broken }], FULL_RECONCILIATION);
    assert.equal(actions(retry)["conn:db"], "create", "nothing was recorded for the failed write");
  });

  it("keeps a create whose outcome was lost as its own key, not a conflict", async () => {
    const target = new InMemoryDeploymentTarget();
    const apply = target.apply.bind(target);
    let lose = true;
    target.apply = async (request) => {
      const outcome = await apply(request);
      if (lose) {
        lose = false;
        throw new Error("socket hang up after the write landed");
      }
      return outcome;
    };
    const { source, engine, binding } = setup({}, target);
    source.setConnection("db", pg());
    const first = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(first.deployments[0]?.status, "failed");
    assert.ok(target.values.has("conn:db"), "the write landed");
    const second = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(second)["conn:db"], "update");
    const third = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(actions(third)["conn:db"], "unchanged");
  });

  it("records nothing for a key the target refused", async () => {
    const target = new InMemoryDeploymentTarget().refuse("conn:bad", "HTTP 400: conn_id invalid");
    const { source, engine, binding, state } = setup({}, target);
    source.setConnection("bad", pg()).setConnection("good", pg());
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.equal(report.deployments[0]?.changes.find((c) => c.key === "conn:bad")?.error, "HTTP 400: conn_id invalid");
    assert.deepEqual(
      state.records("dev").map((r) => r.key),
      ["conn:good"],
    );
  });

  it("fails a Deployment whose source cannot be listed instead of deleting everything", async () => {
    const { source, target, engine, binding } = setup({ deletion: "delete" });
    source.setConnection("db", pg());
    await engine.sync([binding], FULL_RECONCILIATION);
    source.failListing("AccessDenied");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.match(report.deployments[0]?.error ?? "", /source team could not be listed: AccessDenied/);
    assert.ok(target.values.has("conn:db"));
  });

  it("treats a source read error as unknown: nothing changes", async () => {
    const { source, target, engine, binding } = setup({ deletion: "delete" });
    source.setConnection("db", pg());
    await engine.sync([binding], FULL_RECONCILIATION);
    source.setError(connectionKey("db"), "ThrottlingException");
    const report = await engine.sync([binding], { kind: "hints", hints: [{ provider: "memory", secretId: "conn:db", action: "delete" }] });
    assert.equal(actions(report)["conn:db"], "invalid");
    assert.match(report.deployments[0]?.changes[0]?.reason ?? "", /could not read source team: ThrottlingException/);
    assert.ok(target.values.has("conn:db"));
  });

  it("coalesces a burst of hints into one batched read per source and one write", async () => {
    const { source, target, engine, binding } = setup();
    for (let i = 0; i < 25; i++) source.setVariable(`k${i}`, `v${i}`);
    const hints = Array.from({ length: 60 }, (_, i) => ({ provider: "memory", secretId: `var:k${i % 25}`, action: "upsert" as const }));
    const report = await engine.sync([binding], { kind: "hints", hints });
    assert.equal(report.summary.create, 25);
    assert.equal(target.applyCalls, 1);
    assert.equal(source.readCalls, 3, "25 keys in batches of 10");
    assert.equal(report.summary.reads, 3);
  });

  it("ignores notice and ignore hints, and hints for other sources", async () => {
    const { source, target, engine, binding } = setup();
    source.setVariable("a", "1");
    const report = await engine.sync([binding], {
      kind: "hints",
      hints: [
        { provider: "memory", secretId: "var:a", action: "notice" },
        { provider: "memory", secretId: "var:a", action: "ignore", reason: "not ours" },
        { provider: "memory", sourceId: "elsewhere", secretId: "var:a", action: "upsert" },
        { provider: "aws-ssm", secretId: "/airflow/variables/a", action: "upsert", keys: [variableKey("a")] },
      ],
    });
    assert.equal(report.deployments[0]?.changes.length, 0);
    assert.equal(target.applyCalls, 0);
  });

  it("applies in chunks of the target's maxBatch and reports progress", async () => {
    const target = new InMemoryDeploymentTarget({ maxBatch: 2 });
    const { source, engine, binding } = setup({}, target);
    for (let i = 0; i < 5; i++) source.setVariable(`k${i}`, "v");
    const progress: [number, number][] = [];
    await engine.sync([binding], FULL_RECONCILIATION, { onProgress: (done, total) => progress.push([done, total]) });
    assert.equal(target.applyCalls, 3);
    assert.deepEqual(progress, [
      [2, 5],
      [4, 5],
      [5, 5],
    ]);
  });

  it("streams Deployments: no more than deploymentsAtOnce are between their target read and their last write", async () => {
    // Holding every Deployment's plan before applying any made memory grow with keys × Deployments;
    // the run now holds the plans of the Deployments in flight, and no more.
    const events: string[] = [];
    class RecordingTarget extends InMemoryDeploymentTarget {
      constructor(private readonly name: string) {
        super();
      }
      override async read() {
        events.push(`read ${this.name}`);
        return super.read();
      }
      override async apply(request: Parameters<InMemoryDeploymentTarget["apply"]>[0]) {
        const outcome = await super.apply(request);
        events.push(`applied ${this.name}`);
        return outcome;
      }
    }
    const { source, binding, state } = setup({ id: "d0" }, new RecordingTarget("d0"));
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: { log() {} },
      state,
      deploymentsAtOnce: 3,
    });
    source.setVariable("a", "1");
    const bindings = [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
      i === 0 ? binding : { ...binding, id: `d${i}`, target: new RecordingTarget(`d${i}`) },
    );
    const report = await engine.sync(bindings, FULL_RECONCILIATION);
    assert.deepEqual(
      report.deployments.map((d) => [d.id, d.status, d.writes]),
      bindings.map((b) => [b.id, "ok", 1]),
      "reported in config order",
    );
    for (let i = 0; i < 8; i++) assert.equal(events.filter((e) => e === `read d${i}`).length, 1, `d${i} read once`);
    let inFlight = 0;
    let most = 0;
    for (const event of events) {
      inFlight += event.startsWith("read ") ? 1 : -1;
      most = Math.max(most, inFlight);
    }
    assert.equal(most, 3, `at most 3 in flight, and 3 reached: ${events}`);
  });

  it("refuses a deploymentsAtOnce that is not a whole number of 1 or more, naming it", () => {
    for (const bad of [0, 1.5, Number.NaN, -2])
      assert.throws(
        () =>
          new SyncEngine({
            clock: new FixedClock(),
            hasher: createTestHasher(),
            logger: { log() {} },
            state: setup().state,
            deploymentsAtOnce: bad,
          }),
        /deploymentsAtOnce/,
      );
  });

  it("writes distinct Deployments at once, but one store's Deployments one after another in config order", {
    timeout: 10_000,
  }, async () => {
    // Each write waits until another write is in flight: a run that wrote one Deployment at a
    // time would never get past the first (the test's timeout fails it).
    let inFlight = 0;
    const waiting: (() => void)[] = [];
    const order: string[] = [];
    class OverlappingTarget extends InMemoryDeploymentTarget {
      constructor(
        private readonly name: string,
        claimScope?: string,
      ) {
        super(claimScope === undefined ? {} : { claimScope });
      }
      override async apply(request: Parameters<InMemoryDeploymentTarget["apply"]>[0]) {
        order.push(`start ${this.name}`);
        inFlight += 1;
        if (this.claimScope === undefined) {
          if (inFlight >= 2) for (const release of waiting.splice(0)) release();
          else await new Promise<void>((resolve) => waiting.push(resolve));
        } else {
          // Yield to the event loop: another write to this store, if let through, would start now.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        const outcome = await super.apply(request);
        inFlight -= 1;
        order.push(`end ${this.name}`);
        return outcome;
      }
    }
    const { source, binding, state } = setup({ id: "a" }, new OverlappingTarget("a"));
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: { log() {} },
      state,
      deploymentsAtOnce: 4,
    });
    source.setVariable("x", "1");
    const apart = [binding, { ...binding, id: "b", target: new OverlappingTarget("b") }];
    const first = await engine.sync(apart, FULL_RECONCILIATION);
    assert.deepEqual(
      first.deployments.map((d) => [d.id, d.status]),
      [
        ["a", "ok"],
        ["b", "ok"],
      ],
    );
    assert.deepEqual(order.slice(0, 2).sort(), ["start a", "start b"], "both writes were in flight together");

    // Two Deployments of one Airflow (one claim scope, disjoint keys): never written at once.
    order.length = 0;
    const shared = (id: string, include: string) => ({
      ...binding,
      id,
      include: [include],
      target: new OverlappingTarget(id, "one-airflow"),
    });
    source.setVariable("y", "2");
    const second = await engine.sync([shared("s1", "var:x"), shared("s2", "var:y")], FULL_RECONCILIATION);
    assert.deepEqual(
      second.deployments.map((d) => [d.id, d.status]),
      [
        ["s1", "ok"],
        ["s2", "ok"],
      ],
    );
    assert.deepEqual(order, ["start s1", "end s1", "start s2", "end s2"]);
  });

  it("keeps state in the manifest of a target that holds it", async () => {
    const target = new InMemoryDeploymentTarget({ holdsState: true, readsValues: false });
    const { source, engine, binding, state } = setup({}, target);
    source.setConnection("db", pg()).setVariable("env", "dev");
    await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(target.manifest?.map((r) => r.key).sort(), ["conn:db", "var:env"]);
    assert.equal(state.saveCalls, 0);
    const second = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(second.summary.writes, 0);
    source.setVariable("env", "prod");
    const third = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(third.deployments[0]?.changes.find((c) => c.key === "var:env")?.diff, [
      { field: "value", before: "?", after: third.deployments[0]?.changes.find((c) => c.key === "var:env")?.diff?.[0]?.after ?? "" },
    ]);
  });

  it("records creates in a manifest written apart before the values, so a kill between them leaves no conflict (GCP storm seed 3)", async () => {
    const target = new InMemoryDeploymentTarget({ holdsState: true, readsValues: false, writeAheadManifest: true });
    const { source, engine, binding } = setup({}, target);
    source.setConnection("db", pg()).setVariable("env", "dev");
    target.dieBeforeManifest();
    const killed = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(killed.deployments[0]?.status, "failed");
    assert.ok(target.values.has("conn:db") && target.values.has("var:env"), "the values landed");
    assert.deepEqual(target.manifest?.map((r) => [r.key, r.hash]).sort(), [
      ["conn:db", "pending"],
      ["var:env", "pending"],
    ]);
    const next = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(next), { "conn:db": "update", "var:env": "update" }, "afsync's own keys, not conflicts");
    assert.equal(next.deployments[0]?.status, "ok");
    const settled = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(settled.summary.writes, 0);
  });

  it("writes no manifest ahead for a target that writes it with the values, nor for updates", async () => {
    const atomic = new InMemoryDeploymentTarget({ holdsState: true, readsValues: false });
    const first = setup({}, atomic);
    first.source.setVariable("env", "dev");
    await first.engine.sync([first.binding], FULL_RECONCILIATION);
    assert.equal(atomic.applyCalls, 1);
    const apart = new InMemoryDeploymentTarget({ holdsState: true, readsValues: false, writeAheadManifest: true });
    const second = setup({}, apart);
    second.source.setVariable("env", "dev");
    await second.engine.sync([second.binding], FULL_RECONCILIATION);
    assert.equal(apart.applyCalls, 2, "the manifest ahead, then the values");
    second.source.setVariable("env", "prod");
    await second.engine.sync([second.binding], FULL_RECONCILIATION);
    assert.equal(apart.applyCalls, 3, "an update of an owned key needs no record ahead");
  });

  it("writes nothing when the manifest ahead cannot be saved", async () => {
    const target = new InMemoryDeploymentTarget({ holdsState: true, readsValues: false, writeAheadManifest: true });
    const { source, engine, binding } = setup({}, target);
    source.setVariable("env", "dev");
    target.failNextApply("503 from the target");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.equal(report.deployments[0]?.status, "failed");
    assert.equal(target.values.size, 0);
    assert.equal(target.applyCalls, 1);
  });

  it("selects keys with include and exclude globs", async () => {
    const { source, engine, binding } = setup({ include: ["conn:*", "var:team_*"], exclude: ["conn:*_prod"] });
    source.setConnection("db", pg()).setConnection("db_prod", pg()).setVariable("team_a", "1").setVariable("other", "2");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    assert.deepEqual(actions(report), { "conn:db": "create", "var:team_a": "create" });
  });

  it("reports a key the Deployment's secrets backend also holds as shadowed, and still keeps the target in step", async () => {
    const backend = new InMemorySecretSource("backend").setConnection("db", pg(ROTATED)).setVariable("env", "dev");
    const { source, target, engine, binding } = setup({ observe: { secretsBackend: backend } });
    source.setConnection("db", pg()).setVariable("env", "dev").setVariable("solo", "1");
    const report = await engine.sync([binding], FULL_RECONCILIATION);
    const byKey = new Map(report.deployments[0]?.changes.map((c) => [c.key, c]));
    assert.equal(byKey.get("conn:db")?.action, "shadowed");
    assert.equal(byKey.get("conn:db")?.write, "create");
    assert.match(byKey.get("conn:db")?.reason ?? "", /secrets backend \(backend\) also holds it with a different value/);
    assert.match(byKey.get("var:env")?.reason ?? "", /with the same value/);
    assert.equal(byKey.get("var:solo")?.action, "create");
    assert.ok(target.values.has("conn:db"));
  });
});

/**
 * Three Deployments d0–d2 of one source, each with a target of its own, and an engine whose clock
 * moves on each reading: a stamp taken per plan would differ between the Deployments.
 */
function threeDeploymentsTicking(deploymentsAtOnce: number) {
  const { source, binding, state } = setup({ id: "d0" });
  const clock = new FixedClock();
  const ticking = {
    now: () => {
      clock.advance(1000);
      return clock.now();
    },
  };
  const engine = new SyncEngine({ clock: ticking, hasher: createTestHasher(), logger: { log() {} }, state, deploymentsAtOnce });
  const bindings = [0, 1, 2].map((i) => (i === 0 ? binding : { ...binding, id: `d${i}`, target: new InMemoryDeploymentTarget() }));
  return { source, state, engine, bindings };
}

describe("SyncEngine: one appliedAt per run (ADR 014)", () => {
  it("stamps every record a run applies with one time, whatever the clock says between its plans", async () => {
    const { source, state, engine, bindings } = threeDeploymentsTicking(1);
    source.setVariable("a", "1");
    source.setConnection("db", pg());
    await engine.sync(bindings, FULL_RECONCILIATION);
    const stamps = new Set<string>();
    for (const b of bindings) for (const record of (await state.load(b.id)).values()) stamps.add(record.appliedAt);
    assert.equal(stamps.size, 1, `one stamp: ${[...stamps]}`);
    const next = new Set<string>();
    source.setVariable("a", "2");
    await engine.sync(bindings, FULL_RECONCILIATION);
    for (const b of bindings) next.add((await state.load(b.id)).get(keyString(variableKey("a")))?.appliedAt ?? "");
    assert.equal(next.size, 1, "the next run's records share its own stamp");
    assert.ok(([...next][0] ?? "") > ([...stamps][0] ?? ""), "and it is a later one");
  });
});

describe("SyncEngine: Deployments applied by runs of their own", () => {
  it("keeps each Deployment's own time for what it applied, when a new version of the same value is recorded for all", async () => {
    const { source, state, engine, bindings } = threeDeploymentsTicking(2);
    source.setVariable("a", "1").setVariable("b", "2").setVariable("c", "3").setConnection("db", pg());
    // One run per Deployment: each holds the same records but for when they were applied.
    for (const b of bindings) await engine.sync([b], FULL_RECONCILIATION);
    const before = await Promise.all(bindings.map(async (b) => new Map(await state.load(b.id))));
    assert.equal(new Set(before.map((records) => records.get(keyString(variableKey("b")))?.appliedAt)).size, 3, "three runs, three times");

    source.setVariable("a", "1"); // a new version of the same value: each record follows it, keeping its time
    const report = await engine.sync(bindings, FULL_RECONCILIATION);
    assert.equal(report.summary.writes, 0);
    for (const [i, b] of bindings.entries()) {
      const after = await state.load(b.id);
      const was = before[i] ?? new Map();
      const a = keyString(variableKey("a"));
      assert.notEqual(after.get(a)?.version, was.get(a)?.version, `${b.id}: the new version is recorded`);
      assert.equal(after.get(a)?.appliedAt, was.get(a)?.appliedAt, `${b.id}: at the time its value was applied`);
      for (const [ks, record] of was) if (ks !== a) assert.deepEqual(after.get(ks), record, `${b.id} ${ks}: unchanged`);
    }
  });
});

describe("SyncEngine.plan", () => {
  it("writes nothing: no target call, no state record", async () => {
    const { source, target, engine, binding, state } = setup();
    source.setConnection("db", pg());
    const report = await engine.plan([binding], FULL_RECONCILIATION);
    assert.equal(report.mode, "plan");
    assert.deepEqual(actions(report), { "conn:db": "create" });
    assert.equal(target.applyCalls, 0);
    assert.equal(state.saveCalls, 0);
    assert.equal(report.summary.writes, 0);
  });
});

describe("SyncEngine with hints naming a version", () => {
  it("reads the exact version an event names, and leaves a key named at two versions unpinned", async () => {
    const { source, engine, binding } = setup();
    source.setConnection("db", pg()).setConnection("other", pg());
    await engine.sync([binding], {
      kind: "hints",
      hints: [
        { provider: "memory", sourceId: "team", secretId: "conn:db", version: "v7", action: "upsert" },
        { provider: "memory", sourceId: "team", secretId: "conn:other", version: "v1", action: "upsert" },
        { provider: "memory", sourceId: "team", secretId: "conn:other", version: "v2", action: "upsert" },
      ],
    });
    assert.deepEqual(
      source.pinnedVersions.map((m) => Object.fromEntries(m)),
      [{ "conn:db": "v7" }],
    );
  });
});
