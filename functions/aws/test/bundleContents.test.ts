import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { STRICT_CONFIG_SIDE_FILE } from "@afsync/runtime/config/strictConfigSideFile";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { parse as parseYaml } from "yaml";
import { awsDeployFacts } from "../src/deploy/awsDeployFacts.ts";
import { SECRET_ENV_READER_SIDE_FILE } from "../src/deploy/secretEnvReaderSideFile.ts";
import { SQS_SENDER_SIDE_FILE } from "../src/deploy/sqsSenderSideFile.ts";

// What each function's bundle holds, built as `serverless package` builds it (serverless.yml's
// custom.esbuild, its define from the bundled config): the producers route with the sources'
// naming rules, so neither source SDK nor source client may creep back into their bundles (each
// 100 KB a bundle carries costs its cold start about 3 ms of parsing, run or not).
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** The bundle's inputs; with `outDir`, the bundle (and its side file) is written there too. */
async function bundledInputs(handler: string, outDir?: string): Promise<string[]> {
  const doc = parseYaml(readFileSync(join(repoRoot, "serverless.yml"), "utf8")) as { custom: { esbuild: Record<string, unknown> } };
  const { exclude, packager: _p, outputFileExtension: _o, define: _d, plugins, ...options } = doc.custom.esbuild;
  const facts = await awsDeployFacts(join(repoRoot, "functions", "aws", "afsync.config.yaml"));
  const result = await build({
    ...(options as BuildOptions),
    define: { ...facts.esbuildDefine },
    external: (exclude as string[] | undefined) ?? [],
    // As serverless-esbuild loads them: the array the plugins file exports.
    plugins: typeof plugins === "string" ? (createRequire(import.meta.url)(join(repoRoot, plugins)) as Plugin[]) : [],
    entryPoints: [join(repoRoot, "functions", "aws", "src", "handlers", `${handler}.ts`)],
    write: outDir !== undefined,
    outfile: join(outDir ?? join(repoRoot, ".esbuild"), `${handler}.cjs`),
    metafile: true,
    logLevel: "silent",
  });
  // The output's inputs, not the metafile's: esbuild lists every file it scanned there, including
  // those tree shaking left out.
  return Object.values(result.metafile.outputs).flatMap((o) =>
    Object.entries(o.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path),
  );
}

const holds = (inputs: readonly string[], part: string) => inputs.some((i) => i.includes(part));

describe("the Lambda bundles", () => {
  for (const handler of ["events", "webhook", "coalesce"]) {
    // Nothing builds a target here; the target's factory (its option schema) is in the strict
    // config side file with the rest of the config validation.
    it(`${handler}: SQS and the sources' naming rules; no source SDK, source client or engine`, async () => {
      const inputs = await bundledInputs(handler);
      assert.ok(holds(inputs, "@aws-sdk/client-sqs/"), "the SQS client it sends with");
      assert.ok(holds(inputs, "packages/aws/src/awsSourceNaming.ts"), "the AWS sources' naming rules");
      for (const part of [
        "@aws-sdk/client-ssm/",
        "packages/aws/src/SecretsManagerSource.ts",
        "packages/aws/src/SsmParameterSource.ts",
        "packages/aws/src/createAwsClient.ts",
        "packages/core/src/engine/SyncEngine.ts",
        "packages/runtime/src/compose/buildRuntime.ts",
        "packages/airflow-api/src/airflowApiTargetFactory.ts",
      ])
        assert.ok(!holds(inputs, part), `${part} is not in the ${handler} bundle`);
    });
  }

  for (const [handler, mapsSecrets] of [
    ["events", false],
    ["coalesce", false],
    ["webhook", true],
    ["worker", true],
    ["reconcile", true],
  ] as const) {
    // serverless.yml's AFSYNC_ENV_FROM_SECRETS: the functions that read secrets on every cold start
    // keep the Secrets Manager reader in their bundle; the others have it beside theirs.
    it(`${handler}: the Secrets Manager reader of AFSYNC_ENV_FROM_SECRETS is ${mapsSecrets ? "in the bundle" : "beside it"}`, async () => {
      const inputs = await bundledInputs(handler);
      assert.equal(holds(inputs, "functions/aws/src/runtime/secretEnvFromSecretsManager.ts"), mapsSecrets);
      assert.equal(holds(inputs, "@aws-sdk/client-secrets-manager/"), mapsSecrets);
    });
  }

  for (const handler of ["events", "webhook", "coalesce", "reconcile", "worker"]) {
    it(`${handler}: the strict config path is in the side file, not in the bundle`, async () => {
      const inputs = await bundledInputs(handler);
      for (const part of [
        "node_modules/yaml/",
        "packages/core/src/config/parseConfig.ts",
        "packages/runtime/src/config/loadConfigFile.ts",
        // Reconcile and worker build sources and a target from options parsed at packaging; the
        // schemas (and zod) that parse any other config's options are in the side file too.
        "packages/runtime/src/compose/optionSchemaLoaders.ts",
        "packages/aws/src/awsSourceOptions.ts",
        "packages/airflow-api/src/airflowApiTargetFactory.ts",
        "node_modules/zod/",
      ])
        assert.ok(!holds(inputs, part), `${part} is not in the ${handler} bundle`);
    });
  }

  it("events: a config that is not the embedded one is validated by the side file beside the bundle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-bundle-"));
    try {
      await bundledInputs("events", dir);
      assert.ok(existsSync(join(dir, STRICT_CONFIG_SIDE_FILE)), "the side file is written beside the bundle");
      const run = (config: string, extraEnv: NodeJS.ProcessEnv = {}) =>
        invokeBundle(join(dir, "events.cjs"), { id: "e1" }, { AFSYNC_CONFIG: config, ...extraEnv });
      const text = readFileSync(join(repoRoot, "functions", "aws", "afsync.config.yaml"), "utf8");
      assert.match(
        run(text),
        /^@@\{"eventId":"e1","enqueued":\[\],"ignored":\[/,
        "inline YAML is parsed and validated, then the event routed",
      );
      // The side file's error comes back as the bundle's own ConfigError (name, code, message).
      assert.match(
        run("deployments:\n  - 1"),
        /^@@error ConfigError INVALID_CONFIG sources: expected a record, found nothing\n {2}deployments: expected a record, found a list/,
      );
      // serverless.yml maps no secret for events, so its Secrets Manager reader is a side file too;
      // a mapping set anyway is read through it, and its error comes back as the bundle's own.
      assert.ok(existsSync(join(dir, SECRET_ENV_READER_SIDE_FILE)), "the reader is written beside the bundle");
      assert.match(
        run(text, {
          AFSYNC_ENV_FROM_SECRETS: '{"AFSYNC_HMAC_KEY":"afsync/hmac-key"}',
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
          AWS_ACCESS_KEY_ID: "AKIDFAKE",
          AWS_SECRET_ACCESS_KEY: "fake",
          AWS_MAX_ATTEMPTS: "1",
        }),
        /^@@error RemoteCallError REMOTE_CALL_FAILED AFSYNC_ENV_FROM_SECRETS: reading secret afsync\/hmac-key for AFSYNC_HMAC_KEY failed/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reconcile: SQS, the sources (to list their versions) and the SSM ledger; no engine, no target", async () => {
    const inputs = await bundledInputs("reconcile");
    for (const part of [
      "@aws-sdk/client-sqs/",
      "@aws-sdk/client-ssm/",
      "packages/aws/src/SecretsManagerSource.ts",
      "functions/aws/src/fanout/SsmFanoutLedger.ts",
    ])
      assert.ok(holds(inputs, part), part);
    // The adapter loaders it builds the sources with also reach the target modules (bundled, never built).
    for (const part of ["packages/core/src/engine/SyncEngine.ts", "packages/runtime/src/compose/buildRuntime.ts"])
      assert.ok(!holds(inputs, part), `${part} is not in the reconcile bundle`);
  });

  it("worker: the sources' SDKs and the target, which it calls; the SQS sender, which it never calls, beside it", async () => {
    const inputs = await bundledInputs("worker");
    for (const part of ["@aws-sdk/client-ssm/", "@aws-sdk/client-secrets-manager/", "packages/airflow-api/src/AirflowApiTarget.ts"])
      assert.ok(holds(inputs, part), part);
    for (const part of ["@aws-sdk/client-sqs/", "functions/aws/src/queue/SqsSyncQueue.ts"])
      assert.ok(!holds(inputs, part), `${part} is not in the worker bundle`);
  });

  it("worker: a config that is not the embedded one builds its sources and target from the options the side file parsed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-bundle-"));
    try {
      await bundledInputs("worker", dir);
      const text = readFileSync(join(repoRoot, "functions", "aws", "afsync.config.yaml"), "utf8");
      const run = (config: string) =>
        invokeBundle(
          join(dir, "worker.cjs"),
          { Records: [] },
          { AFSYNC_HMAC_KEY: "k".repeat(32), AIRFLOW_USERNAME: "u", AIRFLOW_PASSWORD: "p", AFSYNC_CONFIG: config },
        );
      assert.equal(run(text).trim(), '@@{"batchItemFailures":[]}', "inline YAML: parsed, then the adapters built");
      // A bad option is the schema's error, at its place in the config, as the bundle's ConfigError.
      assert.match(
        run(text.replace("api_version: 2", "api_version: 3")),
        /^@@error ConfigError INVALID_CONFIG deployments\.prod\.target\.api_version: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("worker: the SQS sender beside the bundle sends on its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "afsync-bundle-"));
    const aws = await startAwsEmulator();
    const env = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "AKIDFAKE", AWS_SECRET_ACCESS_KEY: "fake", AWS_ENDPOINT_URL: aws.url };
    const sqs = new SQSClient({
      endpoint: aws.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    });
    try {
      await bundledInputs("worker", dir);
      const sideFile = join(dir, SQS_SENDER_SIDE_FILE);
      assert.ok(existsSync(sideFile), "the side file is written beside the bundle");
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "q" }))).QueueUrl ?? "";
      const { sqsQueuesFor } = createRequire(import.meta.url)(sideFile) as typeof import("../src/runtime/sqsSenderEntry.ts");
      const { hintQueue } = sqsQueuesFor({ queueUrl: `${queueUrl}.fifo`, hintQueueUrl: queueUrl }, env);
      await hintQueue?.enqueue([{ v: 1, deployment: "prod", trigger: { kind: "full" }, origin: "test" }]);
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));
      assert.deepEqual(
        received.Messages?.map((m) => JSON.parse(m.Body ?? "").deployment),
        ["prod"],
      );
    } finally {
      sqs.destroy();
      await aws.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * A fresh node that requires a built bundle and invokes its handler once with `event`, in a
 * Lambda-like environment plus `env`: what it printed from its marker on (`@@<result JSON>` or
 * `@@error <name> <code> <message>`), the handlers' own log lines cut off.
 */
function invokeBundle(bundle: string, event: unknown, env: NodeJS.ProcessEnv): string {
  const result = spawnSync(
    process.execPath,
    [
      "-e",
      `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(event)}).then(
        (r) => console.log("@@" + JSON.stringify(r)), (e) => console.log("@@error " + e.name + " " + e.code + " " + e.message))`,
    ],
    {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", AFSYNC_QUEUE_URL: "http://127.0.0.1:9/q.fifo", ...env },
    },
  );
  return result.stdout.slice(Math.max(0, result.stdout.indexOf("@@")));
}
