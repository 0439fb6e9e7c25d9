/**
 * Cold start of the Azure and GCP function bundles as a ratio to a bare SDK bundle, measured
 * interleaved in the same run (the AWS Lambda bundles are `lambda-bundles`).
 *
 * The afsync bundles are the deployables themselves, built by `npm run package:azure` and
 * `npm run package:gcp` (one CommonJS file with every function of the app). A bare bundle is
 * built with the same esbuild settings and does only what any function app on that platform with
 * these clients does: load the platform's function library and construct the SDK clients the
 * afsync functions call:
 *   Azure → @azure/functions + Key Vault SecretClient + Storage QueueClient + BlobClient (the lease)
 *   GCP   → Functions Framework + Secret Manager client + Pub/Sub client
 *
 * Each run starts a fresh `node` per bundle (in a shuffled order) and measures:
 *   init  — `require()` of the bundle: what the platform's worker does before the first request;
 *   ready (GCP only) — init plus the worker function's first request answered without any
 *           remote call (no OIDC token: 401 after the function built its dependencies: config,
 *           sources, targets, queue); the bare bundle constructs its clients. Azure's functions
 *           register with the Functions host, which is not here (`@azure/functions` skips
 *           registration outside it), so Azure has no `ready` figure.
 *
 *   npm run bench -- function-bundles   (BENCH_RUNS, default 15)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import JSZip from "jszip";
import { percentile, round, shuffled } from "./support/coldStartSamples.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
// Inside the repository, so a bundle's externals (the Functions Framework) resolve from node_modules.
mkdirSync(join(repoRoot, "node_modules", ".cache"), { recursive: true });
const outDir = mkdtempSync(join(repoRoot, "node_modules", ".cache", "afsync-bench-functions-"));

interface Subject {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** GCP: the function to call once after the require, with a request that needs no remote call. */
  readonly readyFunction?: string;
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

const BARE: Record<string, { external: string[]; source: string; readyFunction?: string }> = {
  "bare-azure": {
    external: ["@azure/functions-core"],
    source: `
      const { app } = require("@azure/functions");
      const { DefaultAzureCredential } = require("@azure/identity");
      const { SecretClient } = require("@azure/keyvault-secrets");
      const { QueueClient } = require("@azure/storage-queue");
      const { BlobClient } = require("@azure/storage-blob");
      const credential = new DefaultAzureCredential();
      const clients = [
        new SecretClient("https://bench.vault.azure.net", credential),
        new QueueClient("https://bench.queue.core.windows.net/afsync-sync", credential),
        new BlobClient("https://bench.blob.core.windows.net/afsync-leases/d", credential),
      ];
      app.http("bench", { handler: async () => ({ status: clients.length }) });`,
  },
  "bare-gcp": {
    external: ["@google-cloud/functions-framework"],
    readyFunction: "worker",
    source: `
      const functions = require("@google-cloud/functions-framework");
      let clients;
      functions.http("worker", (req, res) => {
        const { SecretManagerServiceClient } = require("@google-cloud/secret-manager");
        const { PubSub } = require("@google-cloud/pubsub");
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
  return file;
}

function gcpBundle(): string {
  const dir = join(outDir, "gcp");
  const run = spawnSync(process.execPath, [join(repoRoot, "functions/gcp/scripts/packageGcp.mjs"), "--out", dir], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`package:gcp failed: ${run.stderr}`);
  return join(dir, "index.js");
}

/** One fresh process: require the bundle, then (GCP) one request to a function; prints both times. */
function measure(subject: Subject, env: NodeJS.ProcessEnv): { init: number; ready?: number } {
  const script = `
    const t0 = performance.now();
    require(${JSON.stringify(subject.file)});
    const init = performance.now() - t0;
    const name = ${JSON.stringify(subject.readyFunction ?? null)};
    const done = (ready) => process.stdout.write("\\n@@" + JSON.stringify(ready === undefined ? { init } : { init, ready }));
    if (name === null) done();
    else {
      const { getFunction } = require(${JSON.stringify(join(repoRoot, "node_modules/@google-cloud/functions-framework/build/src/testing.js"))});
      const fn = getFunction(name);
      if (typeof fn !== "function") { console.error("no function " + name); process.exit(3); }
      const req = { headers: {}, body: {}, get: () => undefined, header: () => undefined };
      const res = { statusCode: 200, status(c) { this.statusCode = c; return this; }, json() { this.end(); }, send() { this.end(); },
        set() { return this; }, end() { done(performance.now() - t0); } };
      Promise.resolve(fn(req, res)).catch((error) => { console.error(error); process.exit(4); });
    }`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env, cwd: outDir });
  if (child.status !== 0) throw new Error(`${subject.name} failed (exit ${child.status}): ${child.stderr}`);
  const line = child.stdout.split("\n").findLast((l) => l.startsWith("@@"));
  if (line === undefined) throw new Error(`${subject.name} printed no figures: ${child.stdout}`);
  return JSON.parse(line.slice(2)) as { init: number; ready?: number };
}

try {
  const subjects: Subject[] = [];
  for (const [name, bare] of Object.entries(BARE)) {
    const file = join(outDir, `${name}.cjs`);
    await build({
      ...COMMON,
      stdin: { contents: bare.source, resolveDir: repoRoot, loader: "js" },
      outfile: file,
      external: bare.external,
    });
    subjects.push({ name, file, bytes: statSync(file).size, ...(bare.readyFunction ? { readyFunction: bare.readyFunction } : {}) });
  }
  const azure = await azureBundle();
  subjects.push({ name: "azure", file: azure, bytes: statSync(azure).size, bare: "bare-azure" });
  const gcp = gcpBundle();
  subjects.push({ name: "gcp", file: gcp, bytes: statSync(gcp).size, readyFunction: "worker", bare: "bare-gcp" });
  for (const s of subjects) process.stderr.write(`${s.name}: ${s.bytes} bytes\n`);

  // What each platform gives the function app, plus the bundled config; no endpoint is called.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    AFSYNC_CONFIG: join(repoRoot, "functions/gcp/afsync.config.yaml"),
    AFSYNC_HMAC_KEY: "bench-hmac-key-bench-hmac-key-bench-hmac-key",
    AFSYNC_SYNC_TOPIC: "projects/bench/topics/afsync-sync",
    AFSYNC_OIDC_AUDIENCE: "https://bench.example/worker",
    AFSYNC_OIDC_SERVICE_ACCOUNT: "pusher@bench.iam.gserviceaccount.com",
    GOOGLE_CLOUD_PROJECT: "bench",
    FUNCTION_TARGET: "worker",
    AIRFLOW_USERNAME: "bench",
    AIRFLOW_PASSWORD: "bench",
  };
  const samples = new Map(subjects.map((s) => [s.name, { init: [] as number[], ready: [] as number[] }]));
  for (let run = 0; run < RUNS; run++) {
    for (const subject of shuffled(subjects, run + 1)) {
      const m = measure(subject, env);
      samples.get(subject.name)?.init.push(m.init);
      if (m.ready !== undefined) samples.get(subject.name)?.ready.push(m.ready);
    }
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
  }
  const figures = (name: string) => {
    const s = samples.get(name) ?? { init: [], ready: [] };
    return {
      initP50Ms: round(percentile(s.init, 50)),
      initP90Ms: round(percentile(s.init, 90)),
      ...(s.ready.length > 0 ? { readyP50Ms: round(percentile(s.ready, 50)), readyP90Ms: round(percentile(s.ready, 90)) } : {}),
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
      initRatioP50: Math.round((own.initP50Ms / bare.initP50Ms) * 100) / 100,
      ...(own.readyP50Ms !== undefined && bare.readyP50Ms !== undefined
        ? { readyRatioP50: Math.round((own.readyP50Ms / bare.readyP50Ms) * 100) / 100 }
        : {}),
    };
  }
  console.log(JSON.stringify(result));
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
