import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "@afsync/core/config/parseConfig";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { createTestHasher } from "@afsync/testing/createTestHasher";
import { FixedClock } from "@afsync/testing/FixedClock";
import { InMemorySecretSource } from "@afsync/testing/InMemorySecretSource";
import { parse as parseYaml } from "yaml";
import { optionsRegistry } from "../src/compose/optionsRegistry.ts";
import { encodeSyncMessage, type SyncMessage } from "../src/edge/SyncMessage.ts";
import { decodeFanoutRecord } from "../src/fanout/FanoutLedger.ts";
import { fanOutReconcile, type ReconcileFanoutDeps } from "../src/fanout/fanOutReconcile.ts";
import { MemoryFanoutLedger } from "../src/fanout/MemoryFanoutLedger.ts";
import type { FingerprintBinding } from "../src/fanout/snapshotFingerprints.ts";
import { runWorkerBatch } from "../src/worker/runWorkerBatch.ts";

const SECRET = "fanout-sentinel-pw-7c1e";
const silent = { log: () => undefined };

function binding(id: string, sources: InMemorySecretSource[], include = ["*"]): FingerprintBinding {
  return { id, sources, include, exclude: [], configText: JSON.stringify({ id, include }) };
}

function world(options: { listsVersions?: boolean; deployments?: number } = {}) {
  const shared = new InMemorySecretSource("shared", { listsVersions: options.listsVersions ?? true });
  shared.setVariable("region", "eu-west-1");
  shared.setConnection("db", { conn_type: "postgres", host: "db", login: null, password: SECRET, schema: null, port: null, extra: null });
  const own = new InMemorySecretSource("own", { listsVersions: options.listsVersions ?? true });
  own.setVariable("team", "a");
  const count = options.deployments ?? 10;
  const bindings = Array.from({ length: count }, (_, i) =>
    // dep-0 also reads `own`; dep-1 selects only variables, so a connection change is not its business.
    i === 0 ? binding("dep-0", [shared, own]) : i === 1 ? binding("dep-1", [shared], ["var:*"]) : binding(`dep-${i}`, [shared]),
  );
  const sent: SyncMessage[][] = [];
  const ledger = new MemoryFanoutLedger();
  const clock = new FixedClock("2026-03-01T00:00:00Z");
  const deps: ReconcileFanoutDeps = {
    bindings,
    queue: { enqueue: async (messages) => void sent.push([...messages]) },
    logger: silent,
    clock,
    settings: { fanout: "changed", fullEveryMs: 24 * 3_600_000 },
    fanout: { hasher: createTestHasher(), ledger },
  };
  return { shared, own, bindings, sent, ledger, clock, deps };
}

/** A worker that succeeds (or fails) every Deployment it is handed, confirming through the ledger. */
async function runWorker(messages: readonly SyncMessage[], ledger: MemoryFanoutLedger, fail: ReadonlySet<string> = new Set()) {
  const bindings = messages.map((m) => ({ id: m.deployment }) as DeploymentBinding);
  const engine = {
    async sync(run: DeploymentBinding[], _trigger: Trigger): Promise<RunReport> {
      return {
        deployments: run.map((b) =>
          fail.has(b.id)
            ? { id: b.id, status: "failed", error: "target down", changes: [], writes: 0 }
            : { id: b.id, status: "ok", changes: [], writes: 0 },
        ),
      } as unknown as RunReport;
    },
  };
  const records = messages.map((m, i) => ({ messageId: `m${i}`, body: encodeSyncMessage(m) }));
  return runWorkerBatch(records, { bindings, engine, logger: silent, fanoutLedger: ledger });
}

describe("fanOutReconcile", () => {
  it("enqueues every Deployment the first time, then nothing once the worker confirmed and nothing changed", async () => {
    const w = world();
    const first = await fanOutReconcile(w.deps, "f1");
    assert.equal(first.enqueued.length, 10);
    assert.ok(first.decisions.every((d) => d.reason === "never-fanned-out"));
    await runWorker(w.sent[0] ?? [], w.ledger);

    const calls = { list: w.shared.listCalls + w.own.listCalls, readAll: w.shared.readAllCalls + w.own.readAllCalls };
    w.clock.advance(15 * 60_000);
    const second = await fanOutReconcile(w.deps, "f2");
    assert.deepEqual(second.enqueued, []);
    assert.equal(second.skipped.length, 10);
    assert.equal(w.sent.length, 1, "no enqueue call at all when nothing is due");
    // The listing floor: one listing per source, whatever the number of Deployments; no value read.
    assert.equal(w.shared.listCalls + w.own.listCalls - calls.list, 2);
    assert.equal(w.shared.readAllCalls + w.own.readAllCalls, calls.readAll);
    assert.equal(second.sourceCalls, 2);
  });

  it("enqueues only the Deployments whose selected keys changed", async () => {
    const w = world();
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    w.shared.setConnection("db", {
      conn_type: "postgres",
      host: "db",
      login: null,
      password: "rotated-pw-2b",
      schema: null,
      port: null,
      extra: null,
    });
    const after = await fanOutReconcile(w.deps, "f2");
    // dep-1 selects variables only: the connection's new version is not in its snapshot.
    assert.deepEqual([...after.enqueued].sort(), ["dep-0", "dep-2", "dep-3", "dep-4", "dep-5", "dep-6", "dep-7", "dep-8", "dep-9"]);
    assert.ok(after.decisions.filter((d) => d.deployment !== "dep-1").every((d) => d.reason === "changed"));

    await runWorker(w.sent[1] ?? [], w.ledger);
    w.own.setVariable("team", "b");
    assert.deepEqual((await fanOutReconcile(w.deps, "f3")).enqueued, ["dep-0"]);
  });

  it("enqueues every Deployment again once full_every has passed since its last fan-out", async () => {
    const w = world();
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    w.clock.advance(24 * 3_600_000 - 1);
    assert.deepEqual((await fanOutReconcile(w.deps, "f2")).enqueued, []);
    w.clock.advance(1);
    const due = await fanOutReconcile(w.deps, "f3");
    assert.equal(due.enqueued.length, 10);
    assert.ok(due.decisions.every((d) => d.reason === "full-every"));
  });

  it("enqueues again a Deployment whose worker run failed or never ran", async () => {
    const w = world({ deployments: 3 });
    await fanOutReconcile(w.deps, "f1");
    // dep-1's run fails; dep-2's message is never delivered (lost worker).
    await runWorker(
      (w.sent[0] ?? []).filter((m) => m.deployment !== "dep-2"),
      w.ledger,
      new Set(["dep-1"]),
    );
    const again = await fanOutReconcile(w.deps, "f2");
    assert.deepEqual(
      again.decisions.map((d) => [d.deployment, d.reason]),
      [
        ["dep-0", "unchanged"],
        ["dep-1", "unconfirmed"],
        ["dep-2", "unconfirmed"],
      ],
    );
  });

  it("enqueues the Deployments of a source whose listing fails, without a fingerprint", async () => {
    const w = world({ deployments: 3 });
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    w.own.failListing("AccessDenied listing own");
    const result = await fanOutReconcile(w.deps, "f2");
    assert.deepEqual(result.enqueued, ["dep-0"]);
    assert.equal(result.decisions[0]?.reason, "unknown-snapshot");
    assert.equal(w.sent[1]?.[0]?.fanout, undefined);
  });

  it("reads each source once for sources that do not list versions, and still skips what did not change", async () => {
    const w = world({ listsVersions: false });
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    const before = w.shared.readAllCalls;
    assert.deepEqual((await fanOutReconcile(w.deps, "f2")).enqueued, []);
    assert.equal(w.shared.readAllCalls - before, 1, "one read of the shared source for ten Deployments");
    w.shared.setVariable("region", "us-east-1");
    assert.equal((await fanOutReconcile(w.deps, "f3")).enqueued.length, 10);
  });

  it("sees a secret deleted and created again under the same version number (Secret Manager numbers restart)", async () => {
    const w = world({ listsVersions: false });
    w.shared.setVariable("region", "eu-west-1", { id: "1" });
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    // Both events were lost: the firing sees version 1 again, with another value.
    w.shared.delete({ kind: "variable", id: "region" });
    w.shared.setVariable("region", "ap-south-1", { id: "1" });
    assert.equal((await fanOutReconcile(w.deps, "f2")).enqueued.length, 10);
  });

  it("enqueues everything under fanout: all and lists nothing", async () => {
    const w = world();
    const result = await fanOutReconcile({ ...w.deps, settings: { fanout: "all", fullEveryMs: 1 } }, "f1");
    assert.equal(result.enqueued.length, 10);
    assert.equal(w.shared.listCalls + w.shared.readAllCalls, 0);
    assert.equal(w.ledger.writes, 0);
  });

  it("puts no value in a message or a stored record: keyed hashes only", async () => {
    const w = world({ listsVersions: false });
    await fanOutReconcile(w.deps, "f1");
    const texts = [...w.sent.flat().map((m) => encodeSyncMessage(m)), ...w.ledger.stored.values()];
    for (const text of texts) {
      assert.ok(!text.includes(SECRET) && !text.includes("eu-west-1"), "a value leaked");
    }
    for (const stored of w.ledger.stored.values()) assert.match(decodeFanoutRecord(stored)?.fingerprint ?? "", /^[0-9a-f]{64}$/);
  });

  it("changes the fingerprint when the Deployment's config changes", async () => {
    const w = world({ deployments: 2 });
    await fanOutReconcile(w.deps, "f1");
    await runWorker(w.sent[0] ?? [], w.ledger);
    const edited = w.bindings.map((b) => (b.id === "dep-1" ? { ...b, configText: `${b.configText} edited` } : b));
    assert.deepEqual((await fanOutReconcile({ ...w.deps, bindings: edited }, "f2")).enqueued, ["dep-1"]);
  });
});

describe("reconcile config", () => {
  const parse = (text: string) => parseConfig(parseYaml(text), optionsRegistry());
  const base =
    "sources:\n  s: { type: local, variables_file_path: v.env }\ndeployments:\n  d: { target: { type: env-file, path: o.env }, sources: [s] }\n";
  it("defaults to fanning out what changed, with a full pass every 24 hours", () => {
    assert.deepEqual(parse(base).reconcile, { fanout: "changed", fullEveryMs: 86_400_000 });
  });
  it("reads fanout and full_every, and names a bad value's path", () => {
    assert.deepEqual(parse(`${base}reconcile: { fanout: all, full_every: 6h }\n`).reconcile, { fanout: "all", fullEveryMs: 21_600_000 });
    assert.throws(() => parse(`${base}reconcile: { full_every: daily }\n`), /reconcile\.full_every/);
    assert.throws(() => parse(`${base}reconcile: { fanout: some }\n`), /reconcile\.fanout/);
  });
});
