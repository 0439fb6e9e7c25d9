/**
 * Peak RSS of a no-op full reconciliation of N keys into M Deployments (in-memory source,
 * targets and state), each size in its own child process so one cannot inherit the other's heap.
 * The child first syncs the Deployments one at a time (the set-up, whose peak is one
 * Deployment's plan plus the data), then runs one no-op reconciliation over all M: if the engine
 * held every Deployment's plan at once, the second peak would grow with N × M above the first.
 * The in-memory targets hold their N values each, as a real target would remotely, so the
 * set-up peak grows with M too; the figure to read is the reconcile's peak over the set-up's.
 *
 * Run: npm run bench -- reconcile-memory   (BENCH_DEPLOYMENTS=10,100 BENCH_KEYS=10000)
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";

const KEYS = Number(process.env.BENCH_KEYS ?? 10_000);
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function child(deployments: number) {
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
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: { log() {} },
    state: new InMemoryStateStore(),
  });
  const bindings: DeploymentBinding[] = [];
  for (let d = 0; d < deployments; d++) {
    const binding: DeploymentBinding = {
      id: `dep-${d}`,
      target: new InMemoryDeploymentTarget(),
      sources: [source],
      deletion: "retain",
      adopt: false,
      include: ["*"],
      exclude: [],
    };
    await engine.sync([binding], FULL_RECONCILIATION);
    bindings.push(binding);
  }
  const setupPeak = process.resourceUsage().maxRSS * 1024;
  const report = await engine.sync(bindings, FULL_RECONCILIATION);
  const peak = process.resourceUsage().maxRSS * 1024;
  if (report.summary.writes !== 0) throw new Error(`the no-op reconcile wrote ${report.summary.writes} times`);
  return { keys: KEYS, deployments, setupPeakMb: mb(setupPeak), reconcilePeakMb: mb(peak), reconcileOverSetupMb: mb(peak - setupPeak) };
}

if (process.env.BENCH_CHILD_DEPLOYMENTS !== undefined) {
  process.stdout.write(`${JSON.stringify(await child(Number(process.env.BENCH_CHILD_DEPLOYMENTS)))}\n`);
} else {
  const results = [];
  for (const m of (process.env.BENCH_DEPLOYMENTS ?? "1,10").split(",").map(Number)) {
    process.stderr.write(`reconcile-memory: ${KEYS} keys × ${m} Deployments…\n`);
    const run = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
      encoding: "utf8",
      env: { ...process.env, BENCH_CHILD_DEPLOYMENTS: String(m) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = run.stdout.trim().split("\n").pop() ?? "";
    results.push(run.status === 0 ? JSON.parse(line) : { keys: KEYS, deployments: m, error: `exit ${run.status}` });
  }
  process.stdout.write(`${JSON.stringify({ noopReconcile: results })}\n`);
}
