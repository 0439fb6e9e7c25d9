import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AstroEnvVarsTarget } from "@afsync/astro/AstroEnvVarsTarget";
import { KeyedMutex } from "@afsync/astro/KeyedMutex";
import type { KeyString } from "@afsync/core";
import { silentLogger } from "@afsync/core";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { runAfsyncBinary } from "@afsync/testing";
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createReconcileHandler } from "../../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler } from "../../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { createSeededRandom } from "../faults/createSeededRandom.ts";
import { type ServeProcess, startServe } from "../localServeProcess.ts";
import { NO_PROBLEMS, nextTruth, ownershipProblems, type Truth } from "./syncTruth.ts";

/**
 * Every kind of runner at once on ONE Astro Deployment keeping its state in the target: two AWS
 * worker handlers polling one SQS FIFO queue (the real handlers, as the Lambda poller drives
 * them), `afsync serve` (a real process, reconciling on its schedule) and CLI `afsync sync`
 * processes, while SSM parameters change. Not scripted: the forced interleavings are in
 * astro.test.ts; here the outcome must hold for whatever interleaving the machine produces, and
 * for astro-env-vars it can (a lost update there loses values and records together, and the
 * next reconciliation repairs it; see docs/concepts/concurrency.md).
 */

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const HMAC_KEY = "mixed-runners-hmac-key-0123456789abcdef";
const ASTRO_TOKEN = "astro-mixed-token";
const UNOWNED = new Set<KeyString>(["var:theirs"]);
const KEYS = 8;

describe("two cloud workers, serve and CLI syncs at once on one Astro Deployment (state in the target)", () => {
  let aws: AwsEmulator;
  let astro: AstroEmulator;
  let dir: string;
  let serve: ServeProcess | undefined;
  const stoppers: (() => Promise<void>)[] = [];
  before(async () => {
    aws = await startAwsEmulator();
    astro = await startAstroEmulator({ token: ASTRO_TOKEN });
    dir = mkdtempSync(join(tmpdir(), "afsync-concurrency-mixed-"));
  });
  after(async () => {
    for (const stop of stoppers) await stop();
    await serve?.stop();
    await aws.close();
    await astro.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("ends equal to the last SSM change, ownership consistent, the entries afsync did not write untouched", async () => {
    const client = { endpoint: aws.url, region: REGION, credentials };
    const sqs = new SQSClient(client);
    const ssm = new SSMClient(client);
    stoppers.push(async () => {
      sqs.destroy();
      ssm.destroy();
    });
    const queueUrl =
      (
        await sqs.send(
          new CreateQueueCommand({ QueueName: "mixed.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } }),
        )
      ).QueueUrl ?? "";
    aws.seedSecret({ name: "afsync/hmac-key", secretString: HMAC_KEY });
    aws.seedSecret({ name: "afsync/astro-token", secretString: ASTRO_TOKEN });
    astro.seedDeployment({
      id: "dep-mixed",
      organizationId: "org-1",
      environmentVariables: [
        { key: "AIRFLOW_VAR_THEIRS", value: "their-value", isSecret: true },
        { key: "OTHER_SETTING", value: "kept" },
      ],
    });
    const unowned = () =>
      JSON.stringify(
        astro.deployment("org-1", "dep-mixed")?.environmentVariables.filter((v) => ["AIRFLOW_VAR_THEIRS", "OTHER_SETTING"].includes(v.key)),
      );
    const untouched = unowned();

    const config = `
sources:
  aws-ssm: { type: aws-ssm }
deployments:
  prod:
    target: { type: astro-env-vars, organization_id: org-1, deployment_id: dep-mixed, api_url: ${astro.v1Url}, retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 } }
    sources: [aws-ssm]
    deletion: delete
state: { type: target }
serve: { host: 127.0.0.1, port: 0, reconcile_every: 1s }
`;
    writeFileSync(join(dir, "afsync.yaml"), config);
    const awsEnv = {
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    const lambdaEnv: NodeJS.ProcessEnv = {
      ...awsEnv,
      AFSYNC_CONFIG: config,
      AFSYNC_QUEUE_URL: queueUrl,
      AFSYNC_ENV_FROM_SECRETS: JSON.stringify({ AFSYNC_HMAC_KEY: "afsync/hmac-key", ASTRO_API_TOKEN: "afsync/astro-token" }),
    };
    const localEnv = { ...awsEnv, AFSYNC_HMAC_KEY: HMAC_KEY, ASTRO_API_TOKEN: ASTRO_TOKEN };

    // Two workers, each as the Lambda SQS poller drives one: receive, hand to the handler, delete what did not fail.
    let stopping = false;
    let handled = 0;
    const poll = async () => {
      const worker = createWorkerHandler(lambdaDepsFromEnv(lambdaEnv, { logger: silentLogger }));
      while (!stopping) {
        const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
        const messages: Message[] = got.Messages ?? [];
        if (messages.length === 0) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const response = await worker({
          Records: messages.map((m) => ({
            messageId: m.MessageId ?? "",
            receiptHandle: m.ReceiptHandle ?? "",
            body: m.Body ?? "",
            attributes: {},
            eventSource: "aws:sqs",
          })),
        });
        const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
        const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
        if (done.length > 0)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
            }),
          );
        handled += done.length;
      }
    };
    const workers = [poll(), poll()];
    stoppers.push(async () => {
      stopping = true;
      await Promise.all(workers);
    });
    const reconcile = createReconcileHandler(lambdaDepsFromEnv(lambdaEnv, { logger: silentLogger }));

    const rand = createSeededRandom(9_001);
    let truth: Truth = new Map();
    const publish = async (next: Truth) => {
      for (let i = 0; i < KEYS; i++) {
        const id = `k${i}`;
        const v = next.get(id);
        if (v !== undefined && truth.get(id)?.value !== v.value)
          await ssm.send(
            new PutParameterCommand({ Name: `/airflow/variables/${id}`, Value: v.value, Type: "SecureString", Overwrite: true }),
          );
        if (v === undefined && truth.has(id)) await ssm.send(new DeleteParameterCommand({ Name: `/airflow/variables/${id}` }));
      }
      truth = next;
    };
    await publish(nextTruth(truth, KEYS, 1, rand));
    serve = await startServe(["--config", "afsync.yaml", "--port", "0"], { cwd: dir, env: localEnv });
    await serve.waitForOutput(/initial sync/, { timeoutMs: 60_000 });

    // All at once: a CLI sync, two scheduled reconciliations for the workers and serve's own
    // schedule, while the parameters change twice more, so the runners read different moments.
    await publish(nextTruth(truth, KEYS, 10, rand));
    const cli = runAfsyncBinary(["sync", "--json", "--config", "afsync.yaml"], { cwd: dir, env: localEnv });
    await reconcile({ id: "firing-1" });
    await publish(nextTruth(truth, KEYS, 11, rand));
    await reconcile({ id: "firing-2" });
    const run = await cli;
    // A CLI sync may lose its write to another runner three times over and say so (exit 1); it must never crash.
    assert.ok(run.code === 0 || run.code === 1, `CLI exit ${run.code}: ${run.stderr}`);
    // Quiet everything, then check: the queue drained, serve stopped, the workers stopped.
    // (The workers count a message once its delete has answered, so wait for the count, not only the depth.)
    const giveUp = Date.now() + 60_000;
    while (aws.sqsDepth("mixed.fifo").visible + aws.sqsDepth("mixed.fifo").inFlight > 0 || handled < 2) {
      assert.ok(Date.now() < giveUp, `the workers did not handle both reconciliations (handled ${handled})`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await serve.stop();
    serve = undefined;
    for (const stop of stoppers.splice(0)) await stop();

    const target = () =>
      new AstroEnvVarsTarget({
        organizationId: "org-1",
        deploymentId: "dep-mixed",
        apiUrl: astro.v1Url,
        token: ASTRO_TOKEN,
        // The manifest keeps records per afsync Deployment id; the config's is `prod`.
        owner: "prod",
        locks: new KeyedMutex(),
      });
    const consistent = async (where: string) => {
      const snapshot = await target().read();
      assert.deepEqual(ownershipProblems(snapshot.entries.keys(), snapshot.manifest, UNOWNED), NO_PROBLEMS, where);
    };
    await consistent("after every runner stopped");
    assert.equal(unowned(), untouched);

    // The next scheduled reconciliation, through a worker handler as the queue would hand it over.
    const repair = createWorkerHandler(lambdaDepsFromEnv(lambdaEnv, { logger: silentLogger }));
    const body = JSON.stringify({ v: 1, deployment: "prod", trigger: { kind: "full" }, origin: "schedule:final" });
    const answer = await repair({
      Records: [{ messageId: "final", body }],
    });
    assert.deepEqual(answer.batchItemFailures, []);
    await consistent("after the final reconciliation");
    const held = Object.fromEntries(
      (astro.deployment("org-1", "dep-mixed")?.environmentVariables ?? [])
        .filter((v) => v.key.startsWith("AIRFLOW_VAR_K"))
        .map((v) => [v.key.slice(12).toLowerCase(), v.value]),
    );
    assert.deepEqual(held, Object.fromEntries([...truth].map(([id, v]) => [id, v.value])));
    assert.equal(unowned(), untouched);
  });
});
