/**
 * Issue 14 on the AWS path, through the real handlers and the official SQS / Secrets Manager
 * clients against the emulators:
 *
 * - a burst of 1,000 EventBridge events on one Deployment → `events` → the standard hint queue →
 *   `coalesce` (one batching-window batch) → ONE FIFO message → `worker` → one engine run, one
 *   read of the target, at most 2 target writes (the connection, then afsync's manifest);
 * - a scheduled reconciliation of 10 Deployments sharing one source → one worker batch → one
 *   engine run that reads the source once, where one run per Deployment read it 10 times.
 *
 * What stands in for AWS's machinery: `pollHintQueue` plays Lambda's poller of a standard queue
 * with a batching window (receive until the batch size is reached or nothing is left, which is
 * what the window's end means here, deterministically), `drainSyncQueue` the FIFO poller
 * (batches of at most 10), and calling `events` plays EventBridge.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { EventBridgeEvent } from "@afsync/emulators/aws/startAwsEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createCoalesceHandler } from "../functions/aws/src/handlers/coalesce.ts";
import { createEventsHandler } from "../functions/aws/src/handlers/events.ts";
import { createReconcileHandler } from "../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler, type SqsBatchResponse } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { lambdaConfigYaml } from "../functions/aws/test/support/lambdaConfigYaml.ts";

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const AIRFLOW_PASSWORD = "airflow-admin-51c0";
const HMAC_KEY = "hmac-key-coalescing-0123456789abcdef";
const ASTRO_TOKEN = "astro-token-coalescing-7a1e";
const ASTRO_DEPLOYMENTS = Array.from({ length: 10 }, (_, i) => `dep-${i}`);
// serverless.yml's coalesce batch size: what one batching window hands the function at most.
const HINT_BATCH_SIZE = 1000;
const secretValue = (n: number) => `burst-value-${n}-e9d2`;

let aws: AwsEmulator;
let airflow: AirflowEmulator;
let astro: AstroEmulator;
let sm: SecretsManagerClient;
let sqs: SQSClient;
let syncQueueUrl: string;
let hintQueueUrl: string;
const logLines: string[] = [];
let handlers: {
  events: ReturnType<typeof createEventsHandler>;
  coalesce: ReturnType<typeof createCoalesceHandler>;
  worker: ReturnType<typeof createWorkerHandler>;
  reconcile: ReturnType<typeof createReconcileHandler>;
};

before(async () => {
  aws = await startAwsEmulator({ region: REGION });
  airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  for (const id of ASTRO_DEPLOYMENTS) astro.seedDeployment({ id, organizationId: "org-1" });
  const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 1 };
  sm = new SecretsManagerClient(client);
  sqs = new SQSClient(client);
  syncQueueUrl =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: "afsync-e2e-sync.fifo",
          Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false", VisibilityTimeout: "360" },
        }),
      )
    ).QueueUrl ?? "";
  hintQueueUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: "afsync-e2e-hints", Attributes: { VisibilityTimeout: "360" } }))).QueueUrl ?? "";

  aws.seedSecret({ name: "afsync/hmac-key", secretString: HMAC_KEY });
  aws.seedSecret({ name: "afsync/airflow-password", secretString: AIRFLOW_PASSWORD });
  aws.seedSecret({ name: "afsync/astro-token", secretString: ASTRO_TOKEN });
  aws.seedSecret({ name: "airflow/connections/burst_db", secretString: `postgresql://app:${secretValue(0)}@db.internal:5432/app` });
  for (let i = 0; i < 30; i++) aws.seedSecret({ name: `shared/variables/var_${i}`, secretString: `shared-value-${i}-c1f0` });

  // `prod` (Airflow) reads the burst secret; ten Astro Deployments share the `shared` source.
  const astroDeployments = ASTRO_DEPLOYMENTS.map(
    (id) => `  ${id}:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: ${id}
      api_url: ${astro.v1Url}
      retry: { max_attempts: 1 }
    sources: [shared]
`,
  ).join("");
  const config = lambdaConfigYaml(airflow.url, {
    target: "      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }\n",
    deployments: astroDeployments,
    top: `state: { type: target }
`,
  }).replace(
    "  aws-ssm: { type: aws-ssm }\n",
    "  aws-ssm: { type: aws-ssm }\n  shared: { type: aws-secrets-manager, connections_prefix: shared/connections, variables_prefix: shared/variables }\n",
  );
  const env: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: config,
    AFSYNC_QUEUE_URL: syncQueueUrl,
    AFSYNC_HINT_QUEUE_URL: hintQueueUrl,
    AFSYNC_ENV_FROM_SECRETS: JSON.stringify({
      AFSYNC_HMAC_KEY: "afsync/hmac-key",
      AIRFLOW_PASSWORD: "afsync/airflow-password",
      ASTRO_API_TOKEN: "afsync/astro-token",
    }),
    AIRFLOW_USERNAME: "admin",
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_MAX_ATTEMPTS: "1",
  };
  const load = lambdaDepsFromEnv(env, { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }) });
  handlers = {
    events: createEventsHandler(load),
    coalesce: createCoalesceHandler(load),
    worker: createWorkerHandler(load),
    reconcile: createReconcileHandler(load),
  };
});

after(async () => {
  for (const c of [sm, sqs]) c?.destroy();
  await airflow?.close();
  await astro?.close();
  await aws?.close();
});

type Handler = (event: { Records: { messageId: string; body: string }[] }) => Promise<SqsBatchResponse>;

/** Lambda's poller of one queue: receive up to `batchSize` (10 a call), invoke, delete what did not fail. */
async function pollOnce(queueUrl: string, batchSize: number, handler: Handler): Promise<{ messages: number; failures: number }> {
  const batch: Message[] = [];
  while (batch.length < batchSize) {
    const max = Math.min(10, batchSize - batch.length);
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: max }))).Messages ?? [];
    if (got.length === 0) break;
    batch.push(...got);
  }
  if (batch.length === 0) return { messages: 0, failures: 0 };
  const response = await handler({ Records: batch.map((m) => ({ messageId: m.MessageId ?? "", body: m.Body ?? "" })) });
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = batch.filter((m) => !failed.has(m.MessageId ?? ""));
  for (let i = 0; i < done.length; i += 10) {
    const entries = done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? "" }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
  return { messages: batch.length, failures: failed.size };
}

/** Every batch the FIFO poller would hand the worker until the queue is empty; returns the worker invocations. */
async function drainSyncQueue(): Promise<number> {
  let invocations = 0;
  for (;;) {
    const out = await pollOnce(syncQueueUrl, 10, handlers.worker);
    if (out.messages === 0) return invocations;
    assert.equal(out.failures, 0, "no worker batch fails");
    invocations += 1;
  }
}

const engineRuns = () => logLines.filter((l) => JSON.parse(l).message === "sync done").length;

describe("AWS coalescing path (hint queue → coalesce → FIFO → worker)", () => {
  it("turns 1,000 events on one Deployment into one engine run, one target read and at most 2 target writes", async () => {
    // The burst: 500 puts of one secret emit a CloudTrail PutSecretValue and a Secret Label
    // Updated each; the first 1,000 events are delivered.
    const events: EventBridgeEvent[] = [];
    let puts = 0;
    const stop = aws.onEvent((e) => events.push(e));
    try {
      for (let n = 1; events.length < 1000; n++, puts++)
        await sm.send(
          new PutSecretValueCommand({
            SecretId: "airflow/connections/burst_db",
            SecretString: `postgresql://app:${secretValue(n)}@db.internal:5432/app`,
          }),
        );
    } finally {
      stop();
    }
    const burst = events.slice(0, 1000);
    for (const event of burst) {
      const out = await handlers.events(event);
      assert.deepEqual(out.enqueued, ["prod"], `event ${event.id} is routed to prod`);
    }
    assert.equal(aws.sqsDepth("afsync-e2e-sync.fifo").visible, 0, "nothing goes to the FIFO queue before coalescing");

    airflow.resetCalls();
    const runsBefore = engineRuns();
    const window = await pollOnce(hintQueueUrl, HINT_BATCH_SIZE, handlers.coalesce);
    assert.deepEqual(window, { messages: 1000, failures: 0 }, "one batching window holds the whole burst");
    assert.equal(aws.sqsDepth("afsync-e2e-sync.fifo").visible, 1, "one FIFO message for the Deployment");
    assert.equal(await drainSyncQueue(), 1, "one worker invocation");
    assert.equal(engineRuns() - runsBefore, 1, "one engine run");

    const writes = airflow.writeCalls();
    assert.ok(writes >= 1 && writes <= 2, `at most 2 target writes for the burst, saw ${writes}: ${JSON.stringify(airflow.callCounts())}`);
    assert.equal(airflow.callCount("get_connections"), 1, "the target's connections are read once");
    // The worker re-reads the source: Airflow holds the last value put, not one from mid-burst.
    assert.equal(airflow.state.connections.get("burst_db")?.password, secretValue(puts));
  });

  it("reads a source shared by 10 Deployments once per scheduled reconciliation, not once per Deployment", async () => {
    // First reconciliation: every Deployment gets the 30 shared variables.
    await handlers.reconcile({ id: "sched-first" });
    aws.resetCalls();
    assert.equal(await drainSyncQueue(), 2, "11 FIFO messages (prod and the ten) in batches of at most 10");
    for (const id of ASTRO_DEPLOYMENTS)
      assert.equal(astro.deployment("org-1", id)?.environmentVariables.filter((v) => v.key.startsWith("AIRFLOW_VAR_VAR_")).length, 30, id);
    const firstRead = aws.calls();

    // Nothing changed: the next firing reads the listing floor once for all ten.
    aws.resetCalls();
    await handlers.reconcile({ id: "sched-noop" });
    await drainSyncQueue();
    const joint = aws.calls();

    // The same firing with one engine run per Deployment, as the worker ran before: ten times the calls.
    aws.resetCalls();
    await handlers.reconcile({ id: "sched-one-by-one" });
    for (;;) {
      const out = await pollOnce(syncQueueUrl, 1, handlers.worker);
      if (out.messages === 0) break;
    }
    const alone = aws.calls();

    const sourceCalls = (calls: Record<string, number>) =>
      Object.entries(calls)
        .filter(([op]) => op.startsWith("secretsmanager."))
        .reduce((n, [, c]) => n + c, 0);
    assert.ok(sourceCalls(firstRead) > 0);
    // prod's own source (aws-sm, aws-ssm) is read once either way; the shared one is what differs.
    // Listing a source costs one ListSecrets per prefix (connections, variables): 2 per engine run.
    // Joint: 11 messages make 2 FIFO batches (10 + 1), so aws-sm is listed once and the shared
    // source twice: 6. One run per Deployment lists the shared source 10 times: 2 + 20 = 22.
    assert.equal(calls(joint, "secretsmanager.ListSecrets"), 6, JSON.stringify(joint));
    assert.equal(calls(alone, "secretsmanager.ListSecrets"), 22, JSON.stringify(alone));
    assert.equal(
      calls(joint, "secretsmanager.BatchGetSecretValue") + calls(joint, "secretsmanager.GetSecretValue"),
      0,
      `no value read when nothing changed: ${JSON.stringify(joint)}`,
    );
  });
});

function calls(counts: Record<string, number>, op: string): number {
  return counts[op] ?? 0;
}

it("leaks no secret value into any log line", () => {
  assertNoSecretLeak(logLines, [HMAC_KEY, AIRFLOW_PASSWORD, ASTRO_TOKEN, secretValue(1), "shared-value-1-c1f0"]);
});
