import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowKey, KeyString, SecretSource, SourceRead } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";
import { pg, ROTATED } from "./engineFixture.ts";

/**
 * A source that lists versions, whose whole read (a first sync: nothing applied yet, so after the
 * targets are loaded) comes in pages of 3, handed to `onPage` as they land (as the AWS source
 * hands them), before the read returns. `replaced` gives a key a different read in the
 * whole answer than in its page: the run's read is the whole answer's.
 */
class PagedSource implements SecretSource {
  readonly id: string;
  readonly provider = "memory";
  readonly capabilities;
  pagesHandedOver = 0;
  /** Hashes the engine had made when the last page was handed over, before the read returned. */
  hashesWhilePaging = 0;
  readonly replaced = new Map<KeyString, SourceRead>();

  constructor(
    readonly inner: InMemorySecretSource,
    private readonly hashes: () => number,
  ) {
    this.id = inner.id;
    this.capabilities = inner.capabilities;
  }

  async readAll(onPage?: (reads: readonly SourceRead[]) => void): Promise<SourceRead[]> {
    const all = await this.inner.readAll();
    for (let i = 0; i < all.length; i += 3) {
      onPage?.(all.slice(i, i + 3));
      this.pagesHandedOver += 1;
    }
    this.hashesWhilePaging = this.hashes();
    return all.map((read) => this.replaced.get(`${read.key.kind === "connection" ? "conn" : "var"}:${read.key.id}` as KeyString) ?? read);
  }

  read(keys: readonly AirflowKey[]) {
    return this.inner.read(keys);
  }
  listVersions() {
    return this.inner.listVersions();
  }
  secretIdFor(key: AirflowKey) {
    return this.inner.secretIdFor(key);
  }
  keysFor(secretId: string) {
    return this.inner.keysFor(secretId);
  }
}

/** The same sync twice, once reading the source in pages and once whole: both reports, and the paged source. */
async function pagedAndWhole(
  prepare: (source: InMemorySecretSource, target: InMemoryDeploymentTarget) => void,
  binding: Partial<DeploymentBinding> = {},
) {
  const run = async (paged: boolean) => {
    const inner = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true });
    const target = new InMemoryDeploymentTarget();
    prepare(inner, target);
    let hashes = 0;
    const hasher = createTestHasher();
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: {
        hmac: (data) => {
          hashes += 1;
          return hasher.hmac(data);
        },
      },
      logger: { log() {} },
      state: new InMemoryStateStore(),
    });
    const source = paged ? new PagedSource(inner, () => hashes) : inner;
    const report = await engine.sync(
      [{ id: "dev", target, sources: [source], deletion: "delete", adopt: false, include: ["*"], exclude: [], ...binding }],
      FULL_RECONCILIATION,
    );
    return { report, source, target };
  };
  const paged = await run(true);
  const whole = await run(false);
  return { paged: paged.report, whole: whole.report, source: paged.source as PagedSource, target: paged.target };
}

const changes = (report: RunReport) => report.deployments.map((d) => ({ status: d.status, changes: d.changes, writes: d.writes }));

describe("planning while the source's pages land", () => {
  it("plans a one-source Deployment's keys before the read returns, and ends with the plan a whole read makes", async () => {
    const { paged, whole, source } = await pagedAndWhole((inner) => {
      for (let i = 0; i < 10; i++) inner.setVariable(`v${i}`, `value-${i}`);
      inner.setConnection("db", pg());
    });
    assert.ok(source.pagesHandedOver >= 4);
    assert.ok(source.hashesWhilePaging >= 11, `hashed ${source.hashesWhilePaging} values while the pages landed`);
    assert.deepEqual(changes(paged), changes(whole));
    assert.equal(paged.summary.create, 11);
  });

  it("plans a key from the run's read, not from its page, when the whole answer differs", async () => {
    const { paged, whole, target } = await pagedAndWhole((inner) => {
      inner.setVariable("a", "first").setConnection("db", pg());
    });
    assert.deepEqual(changes(paged), changes(whole));
    // The same run with the page's read of `var:a` replaced in the whole answer.
    const inner = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true });
    inner.setVariable("a", "first").setConnection("db", pg());
    const source = new PagedSource(inner, () => 0);
    source.replaced.set("var:a" as KeyString, {
      status: "found",
      key: { kind: "variable", id: "a" },
      secretId: "a",
      value: { kind: "variable", value: "second" },
    });
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: { log() {} },
      state: new InMemoryStateStore(),
    });
    const fresh = new InMemoryDeploymentTarget();
    await engine.sync(
      [{ id: "dev", target: fresh, sources: [source], deletion: "delete", adopt: false, include: ["*"], exclude: [] }],
      FULL_RECONCILIATION,
    );
    assert.deepEqual(fresh.values.get("var:a" as KeyString), { kind: "variable", value: "second" });
    assert.ok(target.values.has("conn:db" as KeyString));
  });

  it("keeps every verdict a whole plan gives: conflicts, key problems, updates, deletions, selections", async () => {
    const prepare = (inner: InMemorySecretSource, target: InMemoryDeploymentTarget) => {
      for (let i = 0; i < 7; i++) inner.setVariable(`v${i}`, `value-${i}`);
      inner.setConnection("db", pg(ROTATED));
      inner.setVariable("bad\u0001key", "x");
      inner.setInvalid({ kind: "variable", id: "broken" });
      inner.setVariable("skipped_one", "y");
      // Held by the target and never written by afsync: a conflict, left alone.
      target.values.set("var:v3" as KeyString, { kind: "variable", value: "someone else's" });
    };
    const { paged, whole } = await pagedAndWhole(prepare, { exclude: ["var:skipped_*"] });
    assert.deepEqual(changes(paged), changes(whole));
    const actions = Object.fromEntries((paged.deployments[0]?.changes ?? []).map((c) => [c.key, c.action]));
    assert.equal(actions["var:v3"], "conflict");
    assert.equal(actions["var:broken"], "invalid");
    assert.equal(actions["var:bad\u0001key"], "invalid");
    assert.equal(actions["var:skipped_one"], undefined);
  });

  it("leaves a Deployment with two sources to its whole plan (precedence needs both)", async () => {
    const other = new InMemorySecretSource("other", { batchSize: 10 }).setVariable("v0", "from other");
    const { paged, whole } = await pagedAndWhole((inner) => {
      inner.setVariable("v0", "from team").setVariable("v1", "only team");
    }, {});
    assert.deepEqual(changes(paged), changes(whole));
    // Two sources: the first that holds a key wins, whatever page it landed on.
    const inner = new InMemorySecretSource("team", { batchSize: 10, listsVersions: true }).setVariable("v1", "only team");
    const source = new PagedSource(inner, () => 0);
    const engine = new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: { log() {} },
      state: new InMemoryStateStore(),
    });
    const target = new InMemoryDeploymentTarget();
    await engine.sync(
      [{ id: "dev", target, sources: [other, source], deletion: "delete", adopt: false, include: ["*"], exclude: [] }],
      FULL_RECONCILIATION,
    );
    assert.deepEqual(target.values.get("var:v0" as KeyString), { kind: "variable", value: "from other" });
    assert.deepEqual(target.values.get("var:v1" as KeyString), { kind: "variable", value: "only team" });
  });
});
