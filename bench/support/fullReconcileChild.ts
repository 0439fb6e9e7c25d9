/**
 * The engine side of `full-reconcile`: one engine run over the Deployments whose Airflow URLs the
 * parent passed (BENCH_CHILD, JSON), against the emulators the parent serves. It is a file of its
 * own so that it can run as an esbuild bundle, as the cloud functions ship the engine, without the
 * emulators or the TypeScript loader in its memory; its one output is a JSON line on stdout.
 */
import { join } from "node:path";
import { constants, PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapStatistics } from "node:v8";
import { AirflowApiTarget } from "@afsync/airflow-api/AirflowApiTarget";
import { createAwsSecretsManagerSource } from "@afsync/aws/awsSourceFactory";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createHmacHasher, systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { SqliteStateStore } from "@afsync/runtime/state/SqliteStateStore";
import { runQueueWaitMs } from "./runQueueWaitMs.ts";

export interface FullReconcileChildInput {
  readonly awsUrl: string;
  readonly airflowUrls: readonly string[];
  readonly stateDir: string;
  readonly airflowPassword: string;
  /** The engine's `deploymentsAtOnce` (BENCH_DEPLOYMENTS_AT_ONCE in the parent). */
  readonly deploymentsAtOnce: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * What the peak RSS is made of, sampled while the engine runs: the most heap V8 held (committed,
 * live or not) and the most it still used right after a full (mark-compact) collection — about
 * the live heap, which with V8's default sizing sets how far the heap may grow before the next
 * one (a multiple of it on a machine with memory to spare). The rest of the RSS is not V8's heap:
 * code, the SDKs', undici's and SQLite's native memory.
 */
function watchHeap(): () => { peakHeapCommittedMb: number; peakHeapAfterFullGcMb: number } {
  let committed = 0;
  let afterFullGc = 0;
  const sample = setInterval(() => {
    committed = Math.max(committed, getHeapStatistics().total_heap_size);
  }, 20);
  const gcs = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Read as soon as the observer runs after the collection: what survived it, plus a little allocated since.
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        afterFullGc = Math.max(afterFullGc, getHeapStatistics().used_heap_size);
    }
  });
  gcs.observe({ entryTypes: ["gc"] });
  return () => {
    clearInterval(sample);
    gcs.disconnect();
    committed = Math.max(committed, getHeapStatistics().total_heap_size);
    return { peakHeapCommittedMb: mb(committed), peakHeapAfterFullGcMb: mb(afterFullGc) };
  };
}

async function main(): Promise<void> {
  const env = JSON.parse(process.env.BENCH_CHILD ?? "{}") as FullReconcileChildInput;
  const source = createAwsSecretsManagerSource(
    {},
    {
      id: "sm",
      env: { AWS_ENDPOINT_URL: env.awsUrl, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake" },
    },
  );
  const state = SqliteStateStore.open(join(env.stateDir, "state.db"));
  const engine = new SyncEngine({
    clock: systemClock,
    hasher: createHmacHasher(await state.hmacKey()),
    logger: { log() {} },
    state,
    deploymentsAtOnce: env.deploymentsAtOnce,
  });
  const bindings: DeploymentBinding[] = env.airflowUrls.map((url, i) => ({
    id: `dep-${i}`,
    target: new AirflowApiTarget({
      url,
      apiVersion: 2,
      auth: { type: "airflow-token", username: "bench", password: env.airflowPassword },
      state: "none",
      manifestVariable: "afsync_manifest",
      pageLimit: 100,
      batchSize: 100,
      concurrency: 4,
    }),
    sources: [source],
    deletion: "retain",
    adopt: false,
    include: ["*"],
    exclude: [],
  }));
  const heap = watchHeap();
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  const waitBefore = runQueueWaitMs();
  const report = await engine.sync(bindings, FULL_RECONCILIATION);
  const ms = performance.now() - start;
  const cpu = process.cpuUsage(cpuBefore);
  const waited = runQueueWaitMs();
  const heapSeen = heap();
  await source.close?.();
  await state.close();
  const failed = report.deployments.filter((d) => d.status === "failed");
  if (failed.length > 0) throw new Error(`${failed.length} Deployments failed: ${failed[0]?.error}`);
  process.stdout.write(
    `${JSON.stringify({
      ms: Math.round(ms),
      // The engine's own CPU (this process): on a loaded machine, what wall time holds beyond the round trips.
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      // Time the engine's thread was ready to run but waited for a core: near 0 on an idle machine.
      ...(waitBefore === undefined || waited === undefined ? {} : { runQueueWaitMs: waited - waitBefore }),
      peakRssMb: mb(process.resourceUsage().maxRSS * 1024),
      ...heapSeen,
      // V8's heap ceiling: sized from the machine's memory unless the process is given one (--max-old-space-size).
      heapLimitMb: mb(getHeapStatistics().heap_size_limit),
      created: report.summary.create,
      unchanged: report.summary.unchanged,
      writes: report.summary.writes,
    })}\n`,
  );
}

await main();
