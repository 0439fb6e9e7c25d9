/**
 * Full reconciliation of 1,000 keys (500 connections, 500 variables) from an in-memory source
 * into an in-memory target: the engine's own cost with no network in the way. Measures the
 * first sync (1,000 creates), a second sync with no change (must write nothing) and a sync after
 * 10 keys changed, and a burst of one hint per key, with the source read calls and target apply
 * calls of each.
 */
import { performance } from "node:perf_hooks";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION, type Trigger } from "@afsync/core/engine/Trigger";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";

const KEYS = 1000;
const source = new InMemorySecretSource("bench", { batchSize: 20 });
for (let i = 0; i < KEYS / 2; i++) {
  source.setConnection(`conn_${i}`, {
    conn_type: "postgres",
    host: `db-${i}.internal`,
    login: "app",
    password: `bench-password-${i}`,
    schema: "app",
    port: 5432,
    extra: { sslmode: "require", application_name: `job-${i}` },
  });
  source.setVariable(`var_${i}`, JSON.stringify({ index: i, flags: ["a", "b"] }));
}
const target = new InMemoryDeploymentTarget();
const engine = new SyncEngine({
  clock: new FixedClock(),
  hasher: createTestHasher(),
  logger: { log() {} },
  state: new InMemoryStateStore(),
});
const binding: DeploymentBinding = {
  id: "bench",
  target,
  sources: [source],
  deletion: "retain",
  adopt: false,
  include: ["*"],
  exclude: [],
};

async function measure(label: string, trigger: Trigger = FULL_RECONCILIATION) {
  const reads = source.readCalls + source.readAllCalls;
  const applies = target.applyCalls;
  const start = performance.now();
  const report = await engine.sync([binding], trigger);
  const ms = performance.now() - start;
  process.stderr.write(`${label}: ${ms.toFixed(1)} ms\n`);
  return {
    ms: Math.round(ms * 10) / 10,
    sourceReadCalls: source.readCalls + source.readAllCalls - reads,
    targetApplyCalls: target.applyCalls - applies,
    created: report.summary.create,
    updated: report.summary.update,
    unchanged: report.summary.unchanged,
  };
}

const first = await measure("first sync");
const noop = await measure("second sync (no change)");
for (let i = 0; i < 10; i++) source.setVariable(`var_${i}`, `changed-${i}`);
const tenChanged = await measure("sync after 10 changes");

// A burst of one hint per key (an event storm): reads are batched by the source's batch size (20).
for (let i = 10; i < 20; i++) source.setVariable(`var_${i}`, `changed-${i}`);
const hints = Array.from({ length: KEYS / 2 }, (_, i) => [`conn:conn_${i}`, `var:var_${i}`]).flat();
const burst = await measure("burst of 1,000 hints", {
  kind: "hints",
  hints: hints.map((secretId) => ({ provider: "memory", secretId, action: "upsert" })),
});

process.stdout.write(
  `${JSON.stringify({ keys: KEYS, firstSync: first, noChangeSync: noop, tenChangedSync: tenChanged, hintBurst: burst })}\n`,
);
