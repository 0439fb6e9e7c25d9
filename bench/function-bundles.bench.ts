/**
 * Cold start of the Azure and GCP function bundles as a ratio to a bare SDK bundle, measured
 * interleaved in the same run (the AWS Lambda bundles are `lambda-bundles`).
 *
 * The afsync bundles are the deployables themselves, built by `npm run package:azure` and
 * `npm run package:gcp` (one CommonJS file with every function of the app, the config validated
 * and embedded, only the adapter types it names). A bare bundle is built with the same esbuild
 * settings and does only what any function app on that platform with these clients must: load
 * the platform's function library, register a function, and construct the SDK clients the
 * afsync worker calls on its first invocation (not at load: the afsync bundles defer theirs to the
 * first invocation too, so both are compared like with like):
 *   Azure → @azure/functions + Key Vault SecretClient + Storage QueueClient + BlobClient (the lease)
 *   GCP   → Functions Framework + Secret Manager client + Pub/Sub client (the work subscriptions)
 * Each side gets the environment its platform gives it as deployed (functions/azure/infra,
 * functions/gcp/infra): identity-based storage for Azure, coalescing on for GCP (the worker then
 * pulls the work subscriptions, so it builds its Pub/Sub client), the bundled config.
 *
 * Each run starts a fresh `node` per bundle (in a shuffled order) and measures:
 *   init  — `require()` of the bundle: what the platform's worker does before the first request;
 *   ready — init plus the worker function's first invocation answered without any remote call,
 *           after the function built its dependencies (config, sources, targets, queue, lease):
 *           GCP: a request without an OIDC token (401); Azure: a queue message that does not
 *           decode (decoded, rejected: the host would retry it). The bare bundle constructs its
 *           clients. Azure's functions register with the Functions host through
 *           `@azure/functions-core`, which only the host provides: the bench gives both Azure
 *           bundles a stand-in that records the registered handlers, so it can call the worker.
 *           (An earlier version gave Azure no `ready` figure and had its bare bundle construct
 *           the clients at load, which charged the bare bundle's init with work the afsync
 *           bundle does on the first invocation; it gave the Azure bundle the GCP config; and its
 *           bare bundles require()d their SDKs, which makes esbuild take their CommonJS builds
 *           whole where afsync's imports take the ESM ones, tree-shaken: 1.75 MB against 1.23 MB
 *           for Azure, flattering afsync.)
 *   cpu   — the process's CPU time over ready: less sensitive than wall time to other processes
 *           on a loaded machine.
 * The ready ratio comes with its 90% interval (`readyRatioP50Interval90`, a paired bootstrap over
 * the runs: `medianRatioInterval`), which says whether it is over or under a line or only near it.
 *
 *   npm run bench -- function-bundles   (BENCH_RUNS, default 15)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { STRICT_CONFIG_SIDE_FILE } from "@afsync/runtime/config/strictConfigSideFile";
import { type BuildOptions, build } from "esbuild";
import JSZip from "jszip";
import { medianRatioInterval, percentile, round, shuffled } from "./support/coldStartSamples.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
// Inside the repository, so a bundle's externals (the Functions Framework) resolve from node_modules.
mkdirSync(join(repoRoot, "node_modules", ".cache"), { recursive: true });
const outDir = mkdtempSync(join(repoRoot, "node_modules", ".cache", "afsync-bench-functions-"));

type Platform = "azure" | "gcp";

interface Subject {
  readonly name: string;
  readonly platform: Platform;
  readonly file: string;
  readonly bytes: number;
  /** The function called once after the require, with an input that needs no remote call. */
  readonly readyFunction: string;
  readonly bare?: string;
}

/** The esbuild settings both package scripts use (format, target, minify, keepNames). */
const COMMON = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  minify: true,
  keepNames: true,
  logLevel: "warning",
} as const;

// ESM sources with `import()`, as the afsync functions load their SDKs: esbuild then takes the
// same builds of each package (their ESM ones, tree-shaken) on both sides; `require()` would take
// the CommonJS builds whole.
const BARE: Record<string, { platform: Platform; external: string[]; source: string; options?: BuildOptions }> = {
  "bare-azure": {
    platform: "azure",
    external: ["@azure/functions-core"],
    // package:azure's: ESM-only dependencies call createRequire(import.meta.url), empty in CJS.
    options: {
      banner: { js: 'const __afsyncImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
      define: { "import.meta.url": "__afsyncImportMetaUrl" },
    },
    source: `
      import { app } from "@azure/functions";
      let clients;
      app.storageQueue("worker", { queueName: "afsync-sync", connection: "AzureWebJobsStorage", handler: async () => {
        const [{ DefaultAzureCredential }, { SecretClient }, { QueueClient }, { BlobClient }] = await Promise.all([
          import("@azure/identity"), import("@azure/keyvault-secrets"), import("@azure/storage-queue"), import("@azure/storage-blob"),
        ]);
        if (clients === undefined) {
          const credential = new DefaultAzureCredential();
          clients = [
            new SecretClient("https://bench.vault.azure.net", credential),
            new QueueClient("https://bench.queue.core.windows.net/afsync-sync", credential),
            new BlobClient("https://bench.blob.core.windows.net/afsync-leases/d", credential),
          ];
        }
        return clients.length;
      } });`,
  },
  "bare-gcp": {
    platform: "gcp",
    external: ["@google-cloud/functions-framework"],
    source: `
      import * as functions from "@google-cloud/functions-framework";
      let clients;
      functions.http("worker", async (req, res) => {
        const [{ SecretManagerServiceClient }, { PubSub }] = await Promise.all([
          import("@google-cloud/secret-manager"), import("@google-cloud/pubsub"),
        ]);
        clients ??= [new SecretManagerServiceClient(), new PubSub({ projectId: "bench" })];
        res.status(204).end();
      });`,
  },
};

function packageAzure(): string {
  const zip = join(outDir, "azure.zip");
  const run = spawnSync(process.execPath, [join(repoRoot, "functions/azure/scripts/package.mjs"), "--out", zip], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`package:azure failed: ${run.stderr}`);
  return zip;
}

async function azureBundle(): Promise<string> {
  const zip = await JSZip.loadAsync(readFileSync(packageAzure()));
  const script = await zip.file("dist/index.js")?.async("string");
  if (script === undefined) throw new Error("the Azure package has no dist/index.js");
  const file = join(outDir, "azure-index.js");
  writeFileSync(file, script);
  // Beside the bundle as in the zip: the strict config path, required only for another config.
  const strictConfig = await zip.file(`dist/${STRICT_CONFIG_SIDE_FILE}`)?.async("nodebuffer");
  if (strictConfig === undefined) throw new Error(`the Azure package has no dist/${STRICT_CONFIG_SIDE_FILE}`);
  writeFileSync(join(outDir, STRICT_CONFIG_SIDE_FILE), strictConfig);
  return file;
}

function gcpBundle(): string {
  const dir = join(outDir, "gcp");
  const run = spawnSync(process.execPath, [join(repoRoot, "functions/gcp/scripts/packageGcp.mjs"), "--out", dir], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`package:gcp failed: ${run.stderr}`);
  return join(dir, "index.js");
}

/**
 * The Functions host's registration API as `@azure/functions` calls it (`registerFunction` with
 * the handler itself), recording the handlers so the bench can invoke the worker; outside the
 * host the library would skip registration. Given to both Azure bundles alike.
 */
const AZURE_FUNCTIONS_CORE_STAND_IN = `
  globalThis.benchAzureFunctions = {};
  module.exports = {
    setProgrammingModel() {},
    registerFunction(metadata, handler) { globalThis.benchAzureFunctions[metadata.name] = handler; return { dispose() {} }; },
    registerHook() { return { dispose() {} }; },
    log() {},
  };`;

/** One fresh process: require the bundle, then one invocation of its worker; prints both times. */
function measure(subject: Subject, env: NodeJS.ProcessEnv): { init: number; ready: number; cpu: number } {
  const invoke =
    subject.platform === "gcp"
      ? `
      const { getFunction } = require(${JSON.stringify(join(repoRoot, "node_modules/@google-cloud/functions-framework/build/src/testing.js"))});
      const fn = getFunction(name);
      if (typeof fn !== "function") { console.error("no function " + name); process.exit(3); }
      const req = { headers: {}, body: {}, path: "/", get: () => undefined, header: () => undefined };
      const res = { statusCode: 200, status(c) { this.statusCode = c; return this; }, json() { this.end(); }, send() { this.end(); },
        set() { return this; }, end() { done(performance.now() - t0, this.statusCode); } };
      Promise.resolve(fn(req, res)).catch((error) => { console.error(error); process.exit(4); });`
      : `
      const fn = globalThis.benchAzureFunctions?.[name];
      if (typeof fn !== "function") { console.error("no function " + name); process.exit(3); }
      const context = { invocationId: "bench-1", functionName: name, triggerMetadata: { id: "bench-1", dequeueCount: 1 },
        log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
      Promise.resolve(fn("not a sync message", context)).then(
        () => done(performance.now() - t0, "returned"),
        (error) => done(performance.now() - t0, /rejected/.test(String(error)) ? "rejected" : String(error)));`;
  const script = `
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    require(${JSON.stringify(subject.file)});
    const init = performance.now() - t0;
    const name = ${JSON.stringify(subject.readyFunction)};
    const done = (ready, answer) => {
      const used = process.cpuUsage(cpu0);
      process.stdout.write("\\n@@" + JSON.stringify({ init, ready, cpu: (used.user + used.system) / 1000, answer }));
    };
    ${invoke}`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env, cwd: outDir });
  if (child.status !== 0) throw new Error(`${subject.name} failed (exit ${child.status}): ${child.stderr}`);
  const line = child.stdout.split("\n").findLast((l) => l.startsWith("@@"));
  if (line === undefined) throw new Error(`${subject.name} printed no figures: ${child.stdout}`);
  const sample = JSON.parse(line.slice(2)) as { init: number; ready: number; cpu: number; answer: unknown };
  // The answer that shows the invocation took the path the header describes.
  const expected =
    subject.bare === undefined ? (subject.platform === "gcp" ? 204 : "returned") : subject.platform === "gcp" ? 401 : "rejected";
  if (sample.answer !== expected) throw new Error(`${subject.name} did not take the measured path: ${JSON.stringify(sample.answer)}`);
  return sample;
}

try {
  // The host's registration API for the Azure bundles (see AZURE_FUNCTIONS_CORE_STAND_IN), where
  // their require("@azure/functions-core") finds it.
  const core = join(outDir, "node_modules", "@azure", "functions-core");
  mkdirSync(core, { recursive: true });
  writeFileSync(join(core, "package.json"), JSON.stringify({ name: "@azure/functions-core", main: "index.js" }));
  writeFileSync(join(core, "index.js"), AZURE_FUNCTIONS_CORE_STAND_IN);

  const subjects: Subject[] = [];
  for (const [name, bare] of Object.entries(BARE)) {
    const file = join(outDir, `${name}.cjs`);
    await build({
      ...COMMON,
      stdin: { contents: bare.source, resolveDir: repoRoot, loader: "js" },
      outfile: file,
      external: bare.external,
      ...bare.options,
    });
    subjects.push({ name, platform: bare.platform, file, bytes: statSync(file).size, readyFunction: "worker" });
  }
  const azure = await azureBundle();
  subjects.push({
    name: "azure",
    platform: "azure",
    file: azure,
    bytes: statSync(azure).size,
    readyFunction: "worker",
    bare: "bare-azure",
  });
  const gcp = gcpBundle();
  subjects.push({ name: "gcp", platform: "gcp", file: gcp, bytes: statSync(gcp).size, readyFunction: "worker", bare: "bare-gcp" });
  for (const s of subjects) process.stderr.write(`${s.name}: ${s.bytes} bytes\n`);

  // What each platform gives the function app as its template deploys it, plus the bundled
  // config and the credentials' variables; no endpoint is ever called.
  const common = {
    PATH: process.env.PATH ?? "",
    AFSYNC_HMAC_KEY: "bench-hmac-key-bench-hmac-key-bench-hmac-key",
    AIRFLOW_USERNAME: "bench",
    AIRFLOW_PASSWORD: "bench",
  };
  const envs: Record<Platform, NodeJS.ProcessEnv> = {
    // functions/azure/infra/main.bicep: identity-based storage, the queue and lease names.
    azure: {
      ...common,
      AFSYNC_CONFIG: join(repoRoot, "functions/azure/afsync.config.yaml"),
      AzureWebJobsStorage__accountName: "bench",
      AFSYNC_QUEUE_NAME: "afsync-sync",
      AFSYNC_WEBHOOK_SECRET: "bench-webhook-secret",
      AFSYNC_EVENTGRID_KEY: "bench-eventgrid-key",
      WEBSITE_SITE_NAME: "bench",
    },
    // functions/gcp/infra/main.tf with its defaults (coalescing on).
    gcp: {
      ...common,
      AFSYNC_CONFIG: join(repoRoot, "functions/gcp/afsync.config.yaml"),
      AFSYNC_SYNC_TOPIC: "projects/bench/topics/afsync-sync",
      AFSYNC_PUBSUB_ENDPOINT: "us-central1-pubsub.googleapis.com:443",
      AFSYNC_WORK_TOPIC: "projects/bench/topics/afsync-work",
      AFSYNC_WORK_SUBSCRIPTION_PREFIX: "projects/bench/subscriptions/afsync-work-",
      AFSYNC_BATCHING_WINDOW_SECONDS: "10",
      AFSYNC_OIDC_AUDIENCE: "https://bench.example/worker",
      AFSYNC_OIDC_SERVICE_ACCOUNT: "pusher@bench.iam.gserviceaccount.com",
      GOOGLE_CLOUD_PROJECT: "bench",
      FUNCTION_TARGET: "worker",
    },
  };
  const samples = new Map(subjects.map((s) => [s.name, { init: [] as number[], ready: [] as number[], cpu: [] as number[] }]));
  for (let run = 0; run < RUNS; run++) {
    for (const subject of shuffled(subjects, run + 1)) {
      const m = measure(subject, envs[subject.platform]);
      samples.get(subject.name)?.init.push(m.init);
      samples.get(subject.name)?.ready.push(m.ready);
      samples.get(subject.name)?.cpu.push(m.cpu);
    }
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
  }
  const sampled = (name: string) => samples.get(name) ?? { init: [], ready: [], cpu: [] };
  const figures = (name: string) => {
    const s = sampled(name);
    return {
      initP50Ms: round(percentile(s.init, 50)),
      initP90Ms: round(percentile(s.init, 90)),
      readyP50Ms: round(percentile(s.ready, 50)),
      readyP90Ms: round(percentile(s.ready, 90)),
      readyCpuP50Ms: round(percentile(s.cpu, 50)),
    };
  };
  const result: Record<string, unknown> = { runs: RUNS };
  for (const s of subjects.filter((x) => x.bare !== undefined)) {
    const own = figures(s.name);
    const bare = figures(s.bare ?? "");
    result[s.name] = {
      bytes: s.bytes,
      ...own,
      bare: { name: s.bare, bytes: subjects.find((x) => x.name === s.bare)?.bytes, ...bare },
      initRatioP50: round(own.initP50Ms / bare.initP50Ms, 2),
      readyRatioP50: round(own.readyP50Ms / bare.readyP50Ms, 2),
      readyRatioP50Interval90: medianRatioInterval(sampled(s.name).ready, sampled(s.bare ?? "").ready),
      readyCpuRatioP50: round(own.readyCpuP50Ms / bare.readyCpuP50Ms, 2),
    };
  }
  console.log(JSON.stringify(result));
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
