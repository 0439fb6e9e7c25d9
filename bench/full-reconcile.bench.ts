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
 * on disk. BENCH_CHILD_NODE_ARGS=--max-old-space-size=96 gives the child a heap budget.
 *
 * Reported per (N, M): provider calls and the floor (ceil(N/20) BatchGetSecretValue for a first
 * read; ceil(N/100) ListSecrets pages for a no-op), target writes, bytes sent to the targets,
 * values held (bytes of the JSON bodies a single write of every key would carry), wall time, the
 * critical-path bound and the ratio, and peak RSS. The bound, in round trips:
 *
 *   first = M_load · (1 + 1)  +  ceil(max(Nc, Nv) / 20)  +  M · (ceil(Nc / 100) + ceil(Nv / 100))
 *
 * - M_load = ceil(M / 4): the targets are read 4 at a time before the source (what they hold
 *   decides between a whole read and a listing); each costs a token and one page when empty;
 * - the two prefixes are walked side by side, each page waiting for the previous one's NextToken;
 * - Deployments are applied one at a time and a Deployment's bulk calls one after another (the
 *   engine records each call's outcome before the next); the next Deployments' targets are read
 *   meanwhile, so those reads are off the path.
 *
 *   noop = M_load · (1 + R)  +  ceil(max(Nc, Nv) / 100)  +  ceil(M_reread / 2) · (1 + R)
 *
 * with R = ceil(max(Nc, Nv) / 100) pages per target read and M_reread the targets not kept from
 * the fold for planning (the engine keeps at most 20,000 entries; 2 plans are made at once).
 *
 * Past BENCH_FIRST_MAX_DEPLOYMENTS (default 10) Deployments, the first sync is measured for one
 * Deployment and its result copied to the others before the no-op (said so in the result).
 *
 * Run: npm run bench -- full-reconcile   (BENCH_SIZES=1000x1,1000x10 BENCH_RTT_MS=10)
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { SqliteStateStore } from "@afsync/runtime/state/SqliteStateStore";
import { build } from "esbuild";
import type { FullReconcileChildInput } from "./support/fullReconcileChild.ts";

const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 10);
const SIZES = (process.env.BENCH_SIZES ?? "1000x1,1000x10,1000x100,10000x1,10000x10,10000x100")
  .split(",")
  .map((s) => s.split("x").map(Number) as [number, number]);
const PASSWORD = "bench-airflow-pw";
const FIRST_MAX_DEPLOYMENTS = Number(process.env.BENCH_FIRST_MAX_DEPLOYMENTS ?? 10);
const CHILD_SOURCE = fileURLToPath(new URL("./support/fullReconcileChild.ts", import.meta.url));
// Per run (two runs may bundle at once), under the repository so the bundle finds better-sqlite3.
const CHILD_BUNDLE = fileURLToPath(new URL(`./out/full-reconcile-child-${process.pid}.mjs`, import.meta.url));
/**
 * `bundle` (default): the engine child runs as one esbuild bundle, as the cloud functions ship
 * the engine; `tsx`: from the TypeScript sources through tsx, as the CLI runs, whose loader thread
 * and transpiled sources add about 45 MB to the process before afsync does anything.
 */
const CHILD_RUNTIME = process.env.BENCH_CHILD_RUNTIME === "tsx" ? "tsx" : "bundle";
// BENCH_CHILD_NODE_ARGS (e.g. --max-old-space-size=96) runs the engine with a heap budget, as a
// process given a memory size would be; the result names the heap ceiling either way.
const CHILD_NODE_ARGS = (process.env.BENCH_CHILD_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");

/** The child as one ESM file (better-sqlite3 stays outside: a native addon), written under bench/out/. */
async function bundleChild(): Promise<void> {
  await build({
    entryPoints: [CHILD_SOURCE],
    outfile: CHILD_BUNDLE,
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

/** Copies Deployment 0's Airflow rows and state records to every other Deployment. */
async function copyFirstDeployment(airflows: readonly AirflowEmulator[], stateDir: string): Promise<void> {
  const [source, ...others] = airflows;
  if (source === undefined) return;
  for (const af of others) {
    for (const [id, conn] of source.state.connections) af.state.connections.set(id, { ...conn });
    for (const [key, variable] of source.state.variables) af.state.variables.set(key, { ...variable });
  }
  const state = SqliteStateStore.open(join(stateDir, "state.db"));
  const records = [...(await state.load("dep-0")).values()];
  for (let i = 1; i < airflows.length; i++) await state.save(`dep-${i}`, records, []);
  await state.close();
}

/** CPU this process (the emulators) spent since `start`: wall time the round trips do not explain. */
function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
}

/** Runs one phase in a child; async, because the emulators it calls answer from this process's event loop. */
function runChild(payload: FullReconcileChildInput): Promise<Record<string, number>> {
  const entry = CHILD_RUNTIME === "tsx" ? ["--import", "tsx", CHILD_SOURCE] : [CHILD_BUNDLE];
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
  const payload = { awsUrl: aws.url, airflowUrls: airflows.map((a) => a.url), stateDir, airflowPassword: PASSWORD };
  const counts = () => {
    const target: Record<string, number> = {};
    for (const af of airflows) for (const [op, k] of Object.entries(af.callCounts())) target[op] = (target[op] ?? 0) + k;
    const provider = Object.fromEntries(Object.entries(aws.calls()).filter(([, k]) => k > 0));
    const writes = airflows.reduce((s, af) => s + af.writeCalls(), 0);
    aws.resetCalls();
    for (const af of airflows) af.resetCalls();
    return { provider, target, targetWriteCalls: writes };
  };
  try {
    process.stderr.write(`full-reconcile: N=${n} M=${m} first…\n`);
    // Past FIRST_MAX_DEPLOYMENTS the first sync is measured for one Deployment and copied to the
    // others (their Airflow's rows and their state records, exactly what it wrote), so the no-op
    // can be measured at sizes whose first sync would take too long on this machine.
    const copied = m > FIRST_MAX_DEPLOYMENTS;
    let emulatorCpu = process.cpuUsage();
    const first = await runChild(copied ? { ...payload, airflowUrls: payload.airflowUrls.slice(0, 1) } : payload);
    const firstEmulatorCpuMs = cpuMsSince(emulatorCpu);
    const firstCalls = counts();
    if (copied) await copyFirstDeployment(airflows, stateDir);
    // What the targets hold, as the bulk bodies of one write of every key would carry it.
    const held = airflows[0]?.state;
    valueBytes =
      held === undefined ? 0 : JSON.stringify([...held.connections.values()]).length + JSON.stringify([...held.variables.values()]).length;
    process.stderr.write(`full-reconcile: N=${n} M=${m} no-op…\n`);
    emulatorCpu = process.cpuUsage();
    const noop = await runChild(payload);
    const noopEmulatorCpuMs = cpuMsSince(emulatorCpu);
    const noopCalls = counts();

    const loads = Math.ceil(m / 4);
    const pages = Math.ceil(Math.max(nConn, nVar) / 100);
    const firstM = copied ? 1 : m;
    const firstBound =
      Math.ceil(firstM / 4) * 2 + Math.ceil(Math.max(nConn, nVar) / 20) + firstM * (Math.ceil(nConn / 100) + Math.ceil(nVar / 100));
    const kept = Math.min(m, Math.floor(20_000 / Math.max(1, 2 * n)));
    const noopBound = loads * (1 + pages) + pages + Math.ceil((m - kept) / 2) * (1 + pages);
    const ratio = (ms: number | undefined, rtts: number) => Math.round(((ms ?? 0) / (rtts * RTT_MS)) * 100) / 100;
    return {
      n,
      deployments: m,
      rttMs: RTT_MS,
      childRuntime: CHILD_RUNTIME,
      ...(CHILD_NODE_ARGS.length > 0 ? { childNodeArgs: CHILD_NODE_ARGS.join(" ") } : {}),
      first: {
        ...(copied ? { measuredForDeployments: 1, note: `measured for 1 Deployment and copied to ${m - 1}` } : {}),
        ...first,
        ...firstCalls,
        batchGetSecretValueFloor: Math.ceil(n / 20),
        bytesSentPerTarget: Math.round((first.bytesSent ?? 0) / firstM),
        valueBytesPerTarget: valueBytes,
        criticalPathRoundTrips: firstBound,
        boundMs: firstBound * RTT_MS,
        wallOverBound: ratio(first.ms, firstBound),
        emulatorCpuMs: firstEmulatorCpuMs,
      },
      noop: {
        ...noop,
        ...noopCalls,
        listSecretsFloor: Math.ceil(n / 100),
        criticalPathRoundTrips: noopBound,
        boundMs: noopBound * RTT_MS,
        wallOverBound: ratio(noop.ms, noopBound),
        emulatorCpuMs: noopEmulatorCpuMs,
      },
    };
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
    await Promise.all(airflows.map((a) => a.close()));
    await aws.close();
  }
}

if (CHILD_RUNTIME === "bundle") await bundleChild();
const results = [];
try {
  for (const [n, m] of SIZES) results.push(await scenario(n, m));
} finally {
  rmSync(CHILD_BUNDLE, { force: true });
}
process.stdout.write(`${JSON.stringify({ fullReconcile: results })}\n`);
