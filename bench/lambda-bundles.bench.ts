/**
 * Cold start of each Lambda bundle as a ratio to a bare SDK bundle, measured interleaved in the
 * same run.
 *
 * Every bundle is built by esbuild with the options serverless.yml gives serverless-esbuild
 * (`custom.esbuild`, read from the file so the two cannot drift): minified, keepNames, node20,
 * CommonJS, only the source and target types the bundled config names, and the config itself
 * validated at build (its `define`, from iam-from-config's esbuildDefine). A "bare SDK bundle" is
 * a handler built the same way that does nothing but construct the AWS SDK clients the function's
 * invocations call, given the same environment:
 *   events, webhook, reconcile, coalesce → SQS (they route and send; the hint queue and the sync
 *                                          queue share one client)
 *   worker                                → Secrets Manager + SSM (the config's two sources; the
 *                                          Airflow REST target needs only Node's fetch, which
 *                                          loads undici on its first call, on both sides after
 *                                          `ready`)
 * The environment is the deployed one minus the remote reads: AFSYNC_ENV_FROM_SECRETS is unset and
 * the secrets it would map (the webhook's signing secret, the HMAC key, the Airflow credentials)
 * are plain variables, so neither side constructs a Secrets Manager client for them. (An earlier
 * version gave the producers' bare bundle a Secrets Manager client although no producer needs one
 * in that environment, which flattered the producers.)
 *
 * Each run starts a fresh `node` per bundle (bundles in a shuffled order, so the machine's load
 * falls on all alike) and measures:
 *   init  — `require()` of the bundle: what Lambda's init phase runs (parse + module scope);
 *   ready — init plus a first invocation that does everything a real one does up to its first
 *           remote call: the afsync handler builds its deps (config, routing or sources and
 *           targets, and the SQS client a producer sends with) and handles an event that takes
 *           the real path but needs no call. events: a real Secret Label Updated event for a
 *           secret outside every configured prefix (parsed, routed, nothing to send); webhook:
 *           a correctly signed request for a source no Deployment reads (verified, body parsed,
 *           routed, 404); coalesce: a batch whose one message does not decode (decoded,
 *           returned, nothing to relay); worker: an empty batch (the batch loop and its decoder
 *           loaded, nothing to sync). The bare bundle constructs its clients. Reconcile always
 *           enqueues, so it has no `ready` figure (its set-up is the events function's).
 *           (An earlier version sent the events function an event no parser recognises and the
 *           webhook an unsigned request, which skipped parsing and routing.)
 *   cpu   — the process's CPU time (user + system) over `ready`: less sensitive than wall time
 *           to other processes on a loaded machine, which only delay this one.
 * stdout is opened before the clock starts in every process, as Lambda's runtime has it open.
 * Prints p50/p90 of each, the ratio of the p50s with its 90% interval (`readyRatioInterval90`, a
 * paired bootstrap over the runs: `medianRatioInterval`), and the bundle's bytes; the last stdout
 * line is the JSON result. `BENCH_RUNS` (default 15) sets the runs.
 *
 *   npm run bench -- lambda-bundles
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";
import { parse as parseYaml } from "yaml";
import { awsDeployFacts } from "../functions/aws/src/deploy/awsDeployFacts.ts";
import { medianRatioInterval, percentile, round, shuffled } from "./support/coldStartSamples.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const handlersDir = join(repoRoot, "functions", "aws", "src", "handlers");
const configPath = join(repoRoot, "functions", "aws", "afsync.config.yaml");

/**
 * serverless.yml's `custom.esbuild`, minus what only serverless-esbuild reads, with its `define`
 * (a `${file(...)}` variable there) resolved as serverless does: from the bundled config.
 */
async function serverlessEsbuildOptions(): Promise<BuildOptions> {
  const doc = parseYaml(readFileSync(join(repoRoot, "serverless.yml"), "utf8")) as { custom: { esbuild: Record<string, unknown> } };
  const { exclude, packager: _packager, outputFileExtension: _ext, define, plugins, ...options } = doc.custom.esbuild;
  if (typeof define !== "string" || !define.includes("iam-from-config.cjs):esbuildDefine"))
    throw new Error("serverless.yml: custom.esbuild.define is no longer iam-from-config's esbuildDefine; update this bench");
  const facts = await awsDeployFacts(configPath);
  return {
    ...(options as BuildOptions),
    define: { ...facts.esbuildDefine },
    external: [...((exclude as string[] | undefined) ?? [])],
    // As serverless-esbuild loads them: the file's exported array (the strict config side file).
    plugins: typeof plugins === "string" ? (createRequire(import.meta.url)(join(repoRoot, plugins)) as Plugin[]) : [],
  };
}

const BARE: Record<string, { clients: string; source: string }> = {
  producer: {
    clients: "SQSClient",
    source: `
      import { SQSClient } from "@aws-sdk/client-sqs";
      let clients;
      export const handler = async () => { clients ??= [new SQSClient({})]; return clients.length; };`,
  },
  worker: {
    clients: "SecretsManagerClient + SSMClient",
    source: `
      import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
      import { SSMClient } from "@aws-sdk/client-ssm";
      let clients;
      export const handler = async () => { clients ??= [new SecretsManagerClient({}), new SSMClient({})]; return clients.length; };`,
  },
};

interface Subject {
  readonly name: string;
  readonly file: string;
  readonly bytes: number;
  /** The event of the no-remote-call first invocation (made per run); undefined: no `ready` figure. */
  readonly readyEvent: (() => unknown) | undefined;
  readonly bare?: string;
  readonly tookThePath?: (result: unknown) => boolean;
}

const WEBHOOK_SECRET = "bench-webhook-secret-bench-webhook-secret";

/** A real EventBridge sample from the repository, renamed to a secret no configured prefix holds. */
function outsideEveryPrefixEvent(): unknown {
  const sample = JSON.parse(readFileSync(join(repoRoot, "events", "aws", "aws-secretsmanager-secret-label-updated.json"), "utf8"));
  return { ...sample, id: "bench-cold-start", detail: { ...sample.detail, name: "bench/outside-every-prefix" } };
}

/** Signed now (the verifier refuses stale timestamps), for a source id the config does not have. */
function signedRequestForUnknownSource(): unknown {
  const body = JSON.stringify({ source: "bench-no-such-source" });
  return { headers: { "x-afsync-signature": signWebhookBody(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)) }, body };
}

interface Handler {
  readonly bare: string;
  readonly readyEvent: (() => unknown) | undefined;
  /** The answer that shows the invocation took the path the header describes (a run fails otherwise). */
  readonly tookThePath?: (result: unknown) => boolean;
}

const HANDLERS: Record<string, Handler> = {
  events: {
    bare: "producer",
    readyEvent: outsideEveryPrefixEvent,
    tookThePath: (r) =>
      JSON.stringify(r).includes('"ignored":[{"secretId":"bench/outside-every-prefix","reason":"outside every configured prefix'),
  },
  webhook: {
    bare: "producer",
    readyEvent: signedRequestForUnknownSource,
    tookThePath: (r) => (r as { statusCode?: number }).statusCode === 404,
  },
  reconcile: { bare: "producer", readyEvent: undefined },
  coalesce: {
    bare: "producer",
    readyEvent: () => ({ Records: [{ messageId: "bench-1", body: "not a sync message" }] }),
    tookThePath: (r) => JSON.stringify(r) === '{"batchItemFailures":[{"itemIdentifier":"bench-1"}]}',
  },
  worker: {
    bare: "worker",
    readyEvent: () => ({ Records: [] }),
    tookThePath: (r) => JSON.stringify(r) === '{"batchItemFailures":[]}',
  },
};

async function bundle(options: BuildOptions, outfile: string): Promise<{ bytes: number; metafile: Metafile }> {
  const result = await build({ ...options, outfile, metafile: true, write: true, logLevel: "warning" });
  return { bytes: statSync(outfile).size, metafile: result.metafile };
}

/** The largest packages in a bundle (bytes of output), for stderr: what to cut next. */
function topInputs(metafile: Metafile): string {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs))
    for (const [path, input] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? "afsync sources";
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + input.bytesInOutput);
    }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([pkg, bytes]) => `${pkg} ${Math.round(bytes / 1024)} KB`)
    .join(", ");
}

/** One fresh process: require the bundle, then (optionally) one invocation; prints both times. */
function measure(subject: Subject, env: NodeJS.ProcessEnv): Sample {
  // stdout is opened before the clock starts: Lambda's runtime has it open before it loads a
  // handler, and Node opens it lazily (2–3 ms), which would charge a handler that logs on its
  // first invocation and not one that does not.
  const script = `
    process.stdout;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const m = require(${JSON.stringify(subject.file)});
    const init = performance.now() - t0;
    if (typeof m.handler !== "function") process.exit(3);
    const event = ${JSON.stringify(subject.readyEvent?.() ?? null)};
    if (event === null) { process.stdout.write("\\n@@" + JSON.stringify({ init })); }
    else Promise.resolve(m.handler(event)).then((result) => {
      const ready = performance.now() - t0;
      const used = process.cpuUsage(cpu0);
      process.stdout.write("\\n@@" + JSON.stringify({ init, ready, cpu: (used.user + used.system) / 1000, result }));
    }, (error) => { console.error(error); process.exit(4); });`;
  const child = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", env, cwd: repoRoot });
  if (child.status !== 0) throw new Error(`${subject.name} failed (exit ${child.status}): ${child.stderr}`);
  // The handlers log JSON lines to stdout: the figures are the last line, marked.
  const line = child.stdout.split("\n").findLast((l) => l.startsWith("@@"));
  if (line === undefined) throw new Error(`${subject.name} printed no figures: ${child.stdout}`);
  const sample = JSON.parse(line.slice(2)) as Sample;
  if (subject.tookThePath !== undefined && !subject.tookThePath(sample.result))
    throw new Error(`${subject.name} did not take the measured path; it answered ${JSON.stringify(sample.result)}`);
  return sample;
}

interface Sample {
  readonly init: number;
  readonly ready?: number;
  readonly cpu?: number;
  readonly result?: unknown;
}

const outDir = mkdtempSync(join(tmpdir(), "afsync-bench-bundles-"));
try {
  const options = await serverlessEsbuildOptions();
  const subjects: Subject[] = [];
  for (const [name, bare] of Object.entries(BARE)) {
    const built = await bundle(
      { ...options, stdin: { contents: bare.source, resolveDir: join(repoRoot, "functions", "aws"), loader: "ts" } },
      join(outDir, `bare-${name}.cjs`),
    );
    subjects.push({ name: `bare-${name}`, file: join(outDir, `bare-${name}.cjs`), bytes: built.bytes, readyEvent: () => ({}) });
    process.stderr.write(`bare-${name} (${bare.clients}): ${built.bytes} bytes; ${topInputs(built.metafile)}\n`);
  }
  for (const [name, h] of Object.entries(HANDLERS)) {
    const built = await bundle({ ...options, entryPoints: [join(handlersDir, `${name}.ts`)] }, join(outDir, `${name}.cjs`));
    subjects.push({
      name,
      file: join(outDir, `${name}.cjs`),
      bytes: built.bytes,
      readyEvent: h.readyEvent,
      bare: `bare-${h.bare}`,
      ...(h.tookThePath === undefined ? {} : { tookThePath: h.tookThePath }),
    });
    process.stderr.write(`${name}: ${built.bytes} bytes; ${topInputs(built.metafile)}\n`);
  }

  // What Lambda gives the function (region, role credentials), plus the bundled config and both
  // queues as serverless.yml sets them; no endpoint is ever called (see the header), and
  // AFSYNC_ENV_FROM_SECRETS is unset: the secrets it would map are plain variables.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBENCH",
    AWS_SECRET_ACCESS_KEY: "bench",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_LAMBDA_FUNCTION_NAME: "bench",
    AFSYNC_CONFIG: configPath,
    AFSYNC_QUEUE_URL: "http://127.0.0.1:9/000000000000/bench.fifo",
    AFSYNC_HINT_QUEUE_URL: "http://127.0.0.1:9/000000000000/bench-hints",
    AFSYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    AFSYNC_HMAC_KEY: "bench-hmac-key-bench-hmac-key-bench-hmac-key",
    AIRFLOW_USERNAME: "bench",
    AIRFLOW_PASSWORD: "bench",
  };
  const samples = new Map(subjects.map((s) => [s.name, { init: [] as number[], ready: [] as number[], cpu: [] as number[] }]));
  for (let run = 0; run < RUNS; run++) {
    for (const subject of shuffled(subjects, run + 1)) {
      const m = measure(subject, env);
      const s = samples.get(subject.name);
      s?.init.push(m.init);
      if (m.ready !== undefined) s?.ready.push(m.ready);
      if (m.cpu !== undefined) s?.cpu.push(m.cpu);
    }
    process.stderr.write(`run ${run + 1}/${RUNS}\n`);
  }

  const sampled = (name: string) => samples.get(name) ?? { init: [], ready: [], cpu: [] };
  const figures = (name: string) => {
    const s = sampled(name);
    return {
      initP50Ms: round(percentile(s.init, 50)),
      initP90Ms: round(percentile(s.init, 90)),
      ...(s.ready.length > 0 ? { readyP50Ms: round(percentile(s.ready, 50)), readyP90Ms: round(percentile(s.ready, 90)) } : {}),
      ...(s.cpu.length > 0 ? { readyCpuP50Ms: round(percentile(s.cpu, 50)) } : {}),
    };
  };
  const bundles: Record<string, unknown> = {};
  for (const subject of subjects) {
    const own = figures(subject.name);
    const bare = subject.bare === undefined ? undefined : figures(subject.bare);
    bundles[subject.name] = {
      bytes: subject.bytes,
      ...own,
      ...(bare === undefined
        ? {}
        : {
            bare: subject.bare,
            initRatio: round(own.initP50Ms / bare.initP50Ms, 2),
            ...(own.readyP50Ms !== undefined && bare.readyP50Ms !== undefined
              ? {
                  readyRatio: round(own.readyP50Ms / bare.readyP50Ms, 2),
                  readyRatioInterval90: medianRatioInterval(sampled(subject.name).ready, sampled(subject.bare ?? "").ready),
                }
              : {}),
            ...(own.readyCpuP50Ms !== undefined && bare.readyCpuP50Ms !== undefined
              ? { readyCpuRatio: round(own.readyCpuP50Ms / bare.readyCpuP50Ms, 2) }
              : {}),
          }),
    };
    process.stderr.write(`${subject.name}: ${JSON.stringify(bundles[subject.name])}\n`);
  }
  console.log(
    JSON.stringify({
      runs: RUNS,
      bareSdkBundles: Object.fromEntries(Object.entries(BARE).map(([name, b]) => [`bare-${name}`, b.clients])),
      bundles,
    }),
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
