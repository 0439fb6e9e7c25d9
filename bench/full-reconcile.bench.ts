/**
 * Full reconciliation at scale through the real clients: N Secrets Manager secrets (half
 * connections, half variables) read with the AWS SDK from the AWS emulator, into M Deployments,
 * each an Airflow 3 REST API emulator written by the real `AirflowApiTarget` (bulk calls, the
 * factory's defaults: 100 a page, 100 a bulk call), with state in the real SQLite store. Every
 * request to every emulator waits BENCH_RTT_MS (default 10 ms) before it is answered: a round trip.
 *
 * The emulators run in this process; the engine runs in a child process per phase
 * (`support/fullReconcileChild.ts`, bundled by esbuild unless BENCH_CHILD_RUNTIME=tsx), so its
 * peak RSS is its own: `first` (an empty Airflow, every key created) and then `noop` (nothing
 * changed: the listing floor, no value read, no write) in a fresh child that starts from the state
 * on disk. BENCH_CHILD_NODE_ARGS=--max-old-space-size=96 gives the child a heap budget;
 * BENCH_FUNCTION_MEMORY_MB=256 gives it the heap flags AWS Lambda's Node.js runtime starts a
 * function of that memory size with (`support/lambdaHeapFlags.ts`), and the result says whether
 * the peak RSS fits that size.
 *
 * Reported per (N, M): provider calls and the floor (ceil(N/20) BatchGetSecretValue for a first
 * read; ceil(N/100) ListSecrets pages for a no-op), target writes, bytes sent to the targets,
 * values held (bytes of the JSON bodies a single write of every key would carry), wall time, the
 * critical-path bound and the ratio, the engine's CPU time, peak RSS with what it is made of
 * (`peakHeapCommittedMb`: the most heap V8 held; `peakHeapAfterFullGcMb`: about the live heap at
 * its largest, which V8's default sizing multiplies into how far the heap grows), and the load
 * average.
 *
 * The bound is max(round-trip chain, the engine's CPU time). The chain counts only the waits the
 * providers impose, and each concurrency limit as a named parameter (the engine's own constants,
 * imported, so the bound follows them):
 *
 * - Secrets Manager: a BatchGetSecretValue or ListSecrets page waits for the previous page's
 *   NextToken; the two prefixes (connections, variables) are independent chains.
 * - Airflow: nothing is answered before the token (POST /auth/token, once per target); the two
 *   lists are independent; offset paging needs no token, so once page 1 has given
 *   total_entries, K_read = LIST_PAGES_AT_ONCE pages of each list are in flight: a list of P
 *   pages is 1 + ceil((P − 1)/K_read) round trips. K_write = 1 write in flight per Deployment:
 *   with a manifest in the target (the default), each bulk call carries the manifest as the
 *   previous one left it (ADR 009: records before or with their values); here (`state: none`,
 *   records in SQLite) nothing on the wire orders them, and K_write = 1 is afsync's own rule (one
 *   order of writes per Deployment whatever the state), counted as a stated limit like L and D.
 * - A Deployment's plan waits for its target's read and for every value it resolves: afsync
 *   plans a Deployment whole (precedence over the whole snapshot, deletions over the whole
 *   listing, claims and key collisions over all its keys) before its first write; stated, since
 *   a single-source Deployment's creates could in principle start while the read goes on.
 * - Which source calls are the floor (a whole read when nothing was applied, a listing
 *   otherwise) depends on what was applied, and with the records in the state store (as here)
 *   that is known without a round trip: the source's calls wait for no target read. The engine
 *   starts the listing as soon as one Deployment's records show it applied from the source (the
 *   no-op here), but decides on a whole read only once every target is folded, so a first sync
 *   spends ceil(M/L)·2 round trips the bound does not count (2 of 352 at 10,000 × 1).
 * - Memory limits: L = TARGET_LOADS_AT_ONCE targets read at once in the fold; D =
 *   DEPLOYMENTS_AT_ONCE Deployments in flight (read, planned, written; each holds its plan);
 *   E = LOADED_ENTRIES_KEPT target entries + state records kept from the fold (each target is
 *   2·N of them here, but the Deployments' key sets are equal, as copies of the first, and count
 *   once, as do their records maps when in step; records out of step are loaded again from the
 *   state store, not kept: every target is kept when N ≤ E, none otherwise; a target not kept is
 *   read again, without a token); B = ENTRIES_IN_FLIGHT (the stream) and B_fold =
 *   FOLD_ENTRIES_IN_FLIGHT entries + records in flight at once, each Deployment weighed by its
 *   size (2·N in a no-op, 0 in a first sync), so a no-op's D is at most max(1, floor(B / 2N)) and
 *   its L at most max(1, floor(B_fold / 2N)). Distinct Deployments are distinct servers: nothing
 *   else orders them.
 *
 * In round trips, with Pc = ceil(Nc/100), Pv = ceil(Nv/100), R = max(Pc, Pv) (ListSecrets and
 * Airflow list pages alike), T = 1 + ceil((R − 1)/K_read) (one target list):
 *
 *   first = max(ceil(M/L)·2, ceil(max(Nc, Nv)/20))  +  ceil(M/D)·(Pc + Pv)
 *   noop  = max(F, R)                                     when M_reread = 0
 *         = max(F + T, R)  +  (ceil(M_reread/D) − 1)·T    otherwise,
 *   F = ceil(M/L)·(1 + T) (the fold), M_reread = M − (2N ≤ E ? M : 0): the first D targets
 *   read again can be read while the listing ends, each later wave waits for a slot, and a
 *   slot frees once its Deployment is planned, which needs the listing.
 *
 * CPU: the engine is one thread; a run whose planning, hashing and parsing take longer than the
 * chain cannot finish faster than its CPU time, so that is the other floor. It is the process's
 * CPU (GC helper threads included), a slight over-estimate of the main thread's; `rttBoundMs` and
 * `cpuMs` are reported apart, so a reader sees which floor binds and when a loaded machine, not
 * the engine, explains the wall time (wall far above both while the load average is high).
 * Left out on purpose, so the bound stays a floor no engine beats: the emulators' own time to
 * answer, and the client's CPU that must sit on the chain (signing a request, parsing page k
 * before asking for k + 1); where the chain binds (one Deployment's first sync) they are most of
 * the distance between the wall time and the bound.
 *
 * The measured bound: those left-out costs are not afsync's to cut, yet they sit on any client's
 * chain. So each phase is also run first by a client that does nothing else
 * (`support/bareChainChild.ts`: the same SDK, the same paging and bulk bodies, the chain above
 * with the same L, D and K, no engine), in a child bundled the same way, against the same
 * emulators in the same run; `measuredBoundMs` = max(its wall time, the engine's CPU time) and
 * `wallOverMeasuredBound` is afsync's wall time over it. Both ratios are reported.
 *
 * Past BENCH_FIRST_MAX_DEPLOYMENTS (default 10) Deployments, the first sync is measured for one
 * Deployment and its result copied to the others before the no-op (said so in the result), in
 * step (equal records) unless BENCH_COPIES_IN_STEP=0 (each copy's records a millisecond apart).
 * BENCH_DEPLOYMENTS_AT_ONCE sets the engine's D (and the bound's).
 *
 * Run: npm run bench -- full-reconcile   (BENCH_SIZES=1000x1,1000x10 BENCH_RTT_MS=10)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LIST_PAGES_AT_ONCE } from "@afsync/airflow-api/listAllPages";
import {
  DEPLOYMENTS_AT_ONCE,
  ENTRIES_IN_FLIGHT,
  FOLD_ENTRIES_IN_FLIGHT,
  LOADED_ENTRIES_KEPT,
  TARGET_LOADS_AT_ONCE,
} from "@afsync/core/engine/SyncEngine";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { SqliteStateStore } from "@afsync/runtime/state/SqliteStateStore";
import { build } from "esbuild";
import type { BareChainInput } from "./support/bareChainChild.ts";
import type { FullReconcileChildInput } from "./support/fullReconcileChild.ts";
import { lambdaHeapFlags } from "./support/lambdaHeapFlags.ts";
import { runQueueWaitMs } from "./support/runQueueWaitMs.ts";

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 10);
const SIZES = (process.env.BENCH_SIZES ?? "1000x1,1000x10,1000x100,10000x1,10000x10,10000x100")
  .split(",")
  .map((s) => s.split("x").map(Number) as [number, number]);
const PASSWORD = "bench-airflow-pw";
const FIRST_MAX_DEPLOYMENTS = Number(process.env.BENCH_FIRST_MAX_DEPLOYMENTS ?? 10);
const COPIES_IN_STEP = process.env.BENCH_COPIES_IN_STEP !== "0";
const CHILD_SOURCE = fileURLToPath(new URL("./support/fullReconcileChild.ts", import.meta.url));
const BARE_SOURCE = fileURLToPath(new URL("./support/bareChainChild.ts", import.meta.url));
// Per run (two runs may bundle at once), under the repository so the bundle finds better-sqlite3.
const CHILD_BUNDLE = fileURLToPath(new URL(`./out/full-reconcile-child-${process.pid}.mjs`, import.meta.url));
const BARE_BUNDLE = fileURLToPath(new URL(`./out/full-reconcile-bare-${process.pid}.mjs`, import.meta.url));
/**
 * `bundle` (default): the engine child runs as one esbuild bundle, as the cloud functions ship
 * the engine; `tsx`: from the TypeScript sources through tsx, as the CLI runs, whose loader thread
 * and transpiled sources add about 45 MB to the process before afsync does anything.
 */
const CHILD_RUNTIME = process.env.BENCH_CHILD_RUNTIME === "tsx" ? "tsx" : "bundle";
// BENCH_CHILD_NODE_ARGS (e.g. --max-old-space-size=96) runs the engine with a heap budget, as a
// process given a memory size would be; the result names the heap ceiling either way.
const FUNCTION_MEMORY_MB = process.env.BENCH_FUNCTION_MEMORY_MB === undefined ? undefined : Number(process.env.BENCH_FUNCTION_MEMORY_MB);
const CHILD_NODE_ARGS = [
  ...(FUNCTION_MEMORY_MB === undefined ? [] : lambdaHeapFlags(FUNCTION_MEMORY_MB)),
  ...(process.env.BENCH_CHILD_NODE_ARGS ?? "").split(" ").filter((a) => a !== ""),
];
/** With BENCH_FUNCTION_MEMORY_MB: whether a phase's peak RSS fits the function's memory size. */
function fitsFunction(phase: Record<string, number>): { fitsFunctionMemory?: boolean } {
  return FUNCTION_MEMORY_MB === undefined ? {} : { fitsFunctionMemory: (phase.peakRssMb ?? Infinity) < FUNCTION_MEMORY_MB };
}

/** A child as one ESM file (better-sqlite3 stays outside: a native addon), written under bench/out/. */
async function bundleChild(source: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [source],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: ["better-sqlite3"],
    // The SDK's CommonJS modules call require(); an ESM bundle has none of its own.
    banner: { js: 'import { createRequire as __afsyncRequire } from "node:module"; const require = __afsyncRequire(import.meta.url);' },
    logLevel: "warning",
  });
}

const AT_ONCE = Number(process.env.BENCH_DEPLOYMENTS_AT_ONCE ?? DEPLOYMENTS_AT_ONCE);

/**
 * Copies Deployment 0's Airflow rows and state records to every other Deployment: in step, as
 * Deployments applied by one run (one `appliedAt` per run, ADR 014: their records are equal), or,
 * with BENCH_COPIES_IN_STEP=0, each copy's records stamped a millisecond apart, as Deployments
 * applied by runs of their own, whose records the engine cannot share.
 */
async function copyFirstDeployment(airflows: readonly AirflowEmulator[], stateDir: string): Promise<void> {
  const [source, ...others] = airflows;
  if (source === undefined) return;
  for (const af of others) {
    for (const [id, conn] of source.state.connections) af.state.connections.set(id, { ...conn });
    for (const [key, variable] of source.state.variables) af.state.variables.set(key, { ...variable });
  }
  const state = SqliteStateStore.open(join(stateDir, "state.db"));
  const records = [...(await state.load("dep-0")).values()];
  for (let i = 1; i < airflows.length; i++) {
    const stamped = COPIES_IN_STEP
      ? records
      : records.map((r) => ({ ...r, appliedAt: new Date(Date.parse(r.appliedAt) + i).toISOString() }));
    await state.save(`dep-${i}`, stamped, []);
  }
  await state.close();
}

/** The 1-minute load average: on a loaded machine, wall time holds the wait for a core. */
function load(): number {
  return Math.round((loadavg()[0] ?? 0) * 10) / 10;
}

/** The emulators' (this process's) wait for a core since `before`, as a result field. */
function waitedSince(before: number | undefined): { emulatorRunQueueWaitMs?: number } {
  const now = runQueueWaitMs();
  return before === undefined || now === undefined ? {} : { emulatorRunQueueWaitMs: now - before };
}

/** CPU this process (the emulators) spent since `start`: wall time the round trips do not explain. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}

/** Runs one phase in a child; async, because the emulators it calls answer from this process's event loop. */
function runChild(payload: FullReconcileChildInput | BareChainInput, child: "engine" | "bare" = "engine"): Promise<Record<string, number>> {
  const [source, bundle] = child === "engine" ? [CHILD_SOURCE, CHILD_BUNDLE] : [BARE_SOURCE, BARE_BUNDLE];
  const entry = CHILD_RUNTIME === "tsx" ? ["--import", "tsx", source] : [bundle];
  const run = spawn(process.execPath, [...CHILD_NODE_ARGS, ...entry], {
    env: { ...process.env, BENCH_CHILD: JSON.stringify(payload), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  run.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    run.on("error", reject);
    run.on("close", (code) => {
      if (code !== 0) reject(new Error(`child exited ${code}`));
      else resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "{}"));
    });
  });
}

async function scenario(n: number, m: number) {
  const nConn = Math.ceil(n / 2);
  const nVar = n - nConn;
  const aws = await startAwsEmulator();
  let valueBytes = 0;
  for (let i = 0; i < nConn; i++) {
    const uri = `postgres://app:bench-pw-${i}@db-${i}.internal:5432/app?sslmode=require`;
    aws.seedSecret({ name: `airflow/connections/conn_${i}`, secretString: uri });
  }
  for (let i = 0; i < nVar; i++)
    aws.seedSecret({ name: `airflow/variables/var_${i}`, secretString: `{"index": ${i}, "flags": ["a", "b"]}` });
  aws.setLatency(RTT_MS);
  const airflows = await Promise.all(Array.from({ length: m }, () => startAirflowEmulator({ apiVersion: 2, users: { bench: PASSWORD } })));
  for (const af of airflows) af.inject({ latencyMs: RTT_MS, times: Number.POSITIVE_INFINITY });
  const stateDir = mkdtempSync(join(tmpdir(), "afsync-bench-full-"));
  const payload = {
    awsUrl: aws.url,
    airflowUrls: airflows.map((a) => a.url),
    stateDir,
    airflowPassword: PASSWORD,
    deploymentsAtOnce: AT_ONCE,
  };
  const counts = () => {
    const target: Record<string, number> = {};
    for (const af of airflows) for (const [op, k] of Object.entries(af.callCounts())) target[op] = (target[op] ?? 0) + k;
    const provider = Object.fromEntries(Object.entries(aws.calls()).filter(([, k]) => k > 0));
    const writes = airflows.reduce((s, af) => s + af.writeCalls(), 0);
    // Counted where the bodies arrive, so the engine child does not pay for a copy of each body
    // (a clone and a read of every request, about 0.4 s of a 10,000 × 10 first sync's CPU) that
    // the bare client it is compared with does not.
    const bytesSent = airflows.reduce((s, af) => s + af.calls.reduce((b, c) => b + c.bodyBytes, 0), 0);
    aws.resetCalls();
    for (const af of airflows) af.resetCalls();
    return { provider, target, targetWriteCalls: writes, bytesSent };
  };
  try {
    process.stderr.write(`full-reconcile: N=${n} M=${m} first…\n`);
    // Past FIRST_MAX_DEPLOYMENTS the first sync is measured for one Deployment and copied to the
    // others (their Airflow's rows and their state records, exactly what it wrote), so the no-op
    // can be measured at sizes whose first sync would take too long on this machine.
    const copied = m > FIRST_MAX_DEPLOYMENTS;
    const firstUrls = copied ? payload.airflowUrls.slice(0, 1) : payload.airflowUrls;
    // Equal key sets count once, and records out of step are loaded again from the state store
    // rather than kept: the most the engine can keep, so the bound stays a floor.
    const kept = n <= LOADED_ENTRIES_KEPT ? m : 0;
    const bareInput = {
      awsUrl: aws.url,
      airflowPassword: PASSWORD,
      targetLoadsAtOnce: TARGET_LOADS_AT_ONCE,
      deploymentsAtOnce: AT_ONCE,
      listPagesAtOnce: LIST_PAGES_AT_ONCE,
      targetsKept: kept,
    };
    // The baseline first, then the Airflows emptied again for afsync's first sync.
    const bareFirst = await runChild({ ...bareInput, phase: "first", airflowUrls: firstUrls }, "bare");
    for (const af of airflows) {
      af.state.connections.clear();
      af.state.variables.clear();
    }
    counts();
    let emulatorCpu = process.cpuUsage();
    let loadBefore = load();
    let emulatorWait = runQueueWaitMs();
    const first = await runChild({ ...payload, airflowUrls: firstUrls });
    const firstEmulatorCpuMs = cpuMsSince(emulatorCpu);
    const firstEmulatorWaitMs = waitedSince(emulatorWait);
    const firstLoad = [loadBefore, load()];
    const firstCalls = counts();
    if (copied) await copyFirstDeployment(airflows, stateDir);
    // What the targets hold, as the bulk bodies of one write of every key would carry it.
    const held = airflows[0]?.state;
    valueBytes =
      held === undefined ? 0 : JSON.stringify([...held.connections.values()]).length + JSON.stringify([...held.variables.values()]).length;
    process.stderr.write(`full-reconcile: N=${n} M=${m} no-op…\n`);
    // A no-op's Deployments weigh 2N (entries and records) against the fold's and the stream's
    // budgets, which may allow fewer at once than the counts; a first sync's weigh nothing (no
    // records, empty targets).
    const byBudget = (budget: number) => Math.max(1, Math.floor(budget / Math.max(1, 2 * n)));
    const noopLoadsAtOnce = Math.min(TARGET_LOADS_AT_ONCE, byBudget(FOLD_ENTRIES_IN_FLIGHT));
    const noopAtOnce = Math.min(AT_ONCE, byBudget(ENTRIES_IN_FLIGHT));
    const bareNoop = await runChild(
      {
        ...bareInput,
        phase: "noop",
        airflowUrls: payload.airflowUrls,
        targetLoadsAtOnce: noopLoadsAtOnce,
        deploymentsAtOnce: noopAtOnce,
      },
      "bare",
    );
    counts();
    emulatorCpu = process.cpuUsage();
    loadBefore = load();
    emulatorWait = runQueueWaitMs();
    const noop = await runChild(payload);
    const noopEmulatorCpuMs = cpuMsSince(emulatorCpu);
    const noopEmulatorWaitMs = waitedSince(emulatorWait);
    const noopLoad = [loadBefore, load()];
    const noopCalls = counts();

    const loads = (deployments: number, atOnce = TARGET_LOADS_AT_ONCE) => Math.ceil(deployments / atOnce);
    const waves = (deployments: number, atOnce = AT_ONCE) => Math.ceil(deployments / atOnce);
    const pages = Math.ceil(Math.max(nConn, nVar) / 100);
    const targetListRtts = 1 + Math.ceil((pages - 1) / LIST_PAGES_AT_ONCE);
    const firstM = copied ? 1 : m;
    const firstRtts =
      Math.max(loads(firstM) * 2, Math.ceil(Math.max(nConn, nVar) / 20)) + waves(firstM) * (Math.ceil(nConn / 100) + Math.ceil(nVar / 100));
    // The first D targets read again can be read while the listing ends; each later wave waits
    // for a slot, which frees once a Deployment is planned, which needs the listing.
    const fold = loads(m, noopLoadsAtOnce) * (1 + targetListRtts);
    const noopRtts =
      m - kept === 0 ? Math.max(fold, pages) : Math.max(fold + targetListRtts, pages) + (waves(m - kept, noopAtOnce) - 1) * targetListRtts;
    const bound = (phase: Record<string, number>, rtts: number, bare: Record<string, number>) => {
      const rttBoundMs = rtts * RTT_MS;
      const boundMs = Math.max(rttBoundMs, phase.cpuMs ?? 0);
      const measuredBoundMs = Math.max(bare.ms ?? 0, phase.cpuMs ?? 0);
      return {
        // The same chain made by a client that does nothing else (support/bareChainChild.ts), in
        // this run: the bound with the emulators', the transport's and the SDK's time in it.
        bareChainMs: bare.ms ?? 0,
        measuredBoundMs,
        wallOverMeasuredBound: Math.round(((phase.ms ?? 0) / measuredBoundMs) * 100) / 100,
        criticalPathRoundTrips: rtts,
        rttBoundMs,
        boundMs,
        binds: rttBoundMs >= (phase.cpuMs ?? 0) ? "round trips" : "cpu",
        wallOverBound: Math.round(((phase.ms ?? 0) / boundMs) * 100) / 100,
        wallOverRttBound: Math.round(((phase.ms ?? 0) / rttBoundMs) * 100) / 100,
        // What the wall time would be had the engine never waited for a core (an estimate for a
        // loaded machine; the emulators' own waits, reported beside, still delay their answers).
        ...(phase.runQueueWaitMs === undefined
          ? {}
          : { wallLessRunQueueWaitOverBound: Math.round((((phase.ms ?? 0) - phase.runQueueWaitMs) / boundMs) * 100) / 100 }),
      };
    };
    return {
      n,
      deployments: m,
      rttMs: RTT_MS,
      childRuntime: CHILD_RUNTIME,
      ...(FUNCTION_MEMORY_MB === undefined ? {} : { functionMemoryMb: FUNCTION_MEMORY_MB }),
      ...(CHILD_NODE_ARGS.length > 0 ? { childNodeArgs: CHILD_NODE_ARGS.join(" ") } : {}),
      ...(COPIES_IN_STEP ? {} : { copiesInStep: false }),
      parameters: {
        deploymentsAtOnce: AT_ONCE,
        targetLoadsAtOnce: TARGET_LOADS_AT_ONCE,
        entriesInFlight: ENTRIES_IN_FLIGHT,
        foldEntriesInFlight: FOLD_ENTRIES_IN_FLIGHT,
        noopAtOnce: { targetLoads: noopLoadsAtOnce, deployments: noopAtOnce },
        listPagesAtOnce: LIST_PAGES_AT_ONCE,
        entriesKept: LOADED_ENTRIES_KEPT,
        targetsKept: kept,
      },
      first: {
        ...(copied ? { measuredForDeployments: 1, note: `measured for 1 Deployment and copied to ${m - 1}` } : {}),
        ...first,
        ...fitsFunction(first),
        ...firstCalls,
        batchGetSecretValueFloor: Math.ceil(n / 20),
        bytesSentPerTarget: Math.round(firstCalls.bytesSent / firstM),
        valueBytesPerTarget: valueBytes,
        ...bound(first, firstRtts, bareFirst),
        emulatorCpuMs: firstEmulatorCpuMs,
        ...firstEmulatorWaitMs,
        loadAverage1mBeforeAfter: firstLoad,
      },
      noop: {
        ...noop,
        ...fitsFunction(noop),
        ...noopCalls,
        listSecretsFloor: Math.ceil(n / 100),
        ...bound(noop, noopRtts, bareNoop),
        emulatorCpuMs: noopEmulatorCpuMs,
        ...noopEmulatorWaitMs,
        loadAverage1mBeforeAfter: noopLoad,
      },
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await Promise.all(airflows.map((a) => a.close()));
    await aws.close();
  }
}

if (CHILD_RUNTIME === "bundle") await Promise.all([bundleChild(CHILD_SOURCE, CHILD_BUNDLE), bundleChild(BARE_SOURCE, BARE_BUNDLE)]);
const results = [];
try {
  for (const [n, m] of SIZES) results.push(await scenario(n, m));
} finally {
  rmSync(CHILD_BUNDLE, { force: true });
  rmSync(BARE_BUNDLE, { force: true });
}
process.stdout.write(`${JSON.stringify({ fullReconcile: results })}\n`);
