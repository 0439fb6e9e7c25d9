/**
 * Issue 14 on AWS: the scheduled reconciliation fans out only the Deployments whose snapshot
 * changed. Through the real handlers (each with its own composition root, as deployed: the
 * reconcile's `reconcileDepsFromEnv`, the worker's `lambdaDepsFromEnv`) and the official SDK
 * clients against the emulators: Secrets Manager (the shared source, listed with ListSecrets),
 * SSM Parameter Store (the fan-out ledger), the SQS FIFO sync queue, ten Astro Deployments.
 *
 * `drainSyncQueue` plays Lambda's FIFO poller (batches of at most 10, delete what did not fail);
 * a failed message is then deleted as the redrive to the dead-letter queue would after its
 * receives, so the test does not wait out a visibility timeout.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { FixedClock } from "@afsync/testing/FixedClock";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { GetParametersByPathCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createReconcileHandler } from "../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { reconcileDepsFromEnv } from "../functions/aws/src/runtime/reconcileDepsFromEnv.ts";

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const HMAC_KEY = "hmac-key-aws-fanout-0123456789abcdef";
const ASTRO_TOKEN = "astro-token-aws-fanout-5b7d";
const DB_1 = "aws-fanout-db-pw-one-8e1f";
const DB_2 = "aws-fanout-db-pw-two-4c0a";
const REGION_1 = "aws-fanout-region-eu-77a";
const REGION_2 = "aws-fanout-region-us-1d3";
const LEDGER_PATH = "/afsync/afsync-e2e/fanout/";
const DEPLOYMENTS = Array.from({ length: 10 }, (_, i) => `d${i}`);
const uri = (password: string) => `postgresql://app:${password}@db.internal:5432/app`;

let aws: AwsEmulator;
let astro: AstroEmulator;
let sm: SecretsManagerClient;
let sqs: SQSClient;
let ssm: SSMClient;
let queueUrl: string;
const clock = new FixedClock("2026-11-30T00:00:00Z");
const logLines: string[] = [];
const bodies: string[] = [];
let reconcileHandler: ReturnType<typeof createReconcileHandler>;
let workerHandler: ReturnType<typeof createWorkerHandler>;

before(async () => {
  [aws, astro] = await Promise.all([startAwsEmulator({ region: REGION }), startAstroEmulator({ token: ASTRO_TOKEN })]);
  // d3's Astro Deployment does not exist yet: its runs fail until it is seeded.
  for (const id of DEPLOYMENTS) if (id !== "d3") astro.seedDeployment({ id: `astro-${id}`, organizationId: "org-1" });
  const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 1 };
  sm = new SecretsManagerClient(client);
  sqs = new SQSClient(client);
  ssm = new SSMClient(client);
  queueUrl =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: "afsync-fanout-sync.fifo",
          Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false", VisibilityTimeout: "360" },
        }),
      )
    ).QueueUrl ?? "";
  aws.seedSecret({ name: "afsync/hmac-key", secretString: HMAC_KEY });
  aws.seedSecret({ name: "afsync/astro-token", secretString: ASTRO_TOKEN });
  aws.seedSecret({ name: "shared/connections/db", secretString: uri(DB_1) });
  aws.seedSecret({ name: "shared/variables/region", secretString: REGION_1 });
  // Ten Deployments share one source; d1 takes only variables, so a connection's rotation is not its business.
  const deployments = DEPLOYMENTS.map(
    (id) => `
  ${id}:
    target: { type: astro-env-vars, organization_id: org-1, deployment_id: astro-${id}, api_url: "${astro.v1Url}", retry: { max_attempts: 1 } }
    sources: [shared]${id === "d1" ? '\n    include: ["var:*"]' : ""}`,
  ).join("");
  const config = `sources:
  shared: { type: aws-secrets-manager, connections_prefix: shared/connections, variables_prefix: shared/variables }
deployments:${deployments}
state: { type: target }
`;
  const base: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: config,
    AFSYNC_QUEUE_URL: queueUrl,
    AFSYNC_FANOUT_PARAMETER_PATH: LEDGER_PATH,
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_MAX_ATTEMPTS: "1",
  };
  const logger = createJsonLineLogger({ write: (line) => logLines.push(line) });
  // serverless.yml's split: the reconcile reads only the HMAC key, the worker the rest too.
  reconcileHandler = createReconcileHandler(
    reconcileDepsFromEnv({ ...base, AFSYNC_ENV_FROM_SECRETS: JSON.stringify({ AFSYNC_HMAC_KEY: "afsync/hmac-key" }) }, { logger, clock }),
  );
  workerHandler = createWorkerHandler(
    lambdaDepsFromEnv(
      { ...base, AFSYNC_ENV_FROM_SECRETS: JSON.stringify({ AFSYNC_HMAC_KEY: "afsync/hmac-key", ASTRO_API_TOKEN: "afsync/astro-token" }) },
      { logger },
    ),
  );
});

after(async () => {
  for (const c of [sm, sqs, ssm]) c?.destroy();
  await astro?.close();
  await aws?.close();
});

let firings = 0;
const reconcile = async () => (await reconcileHandler({ id: `sched-${++firings}` })).enqueued;

/** Lambda's FIFO poller until the queue is empty: the Deployments whose messages failed. */
async function drainSyncQueue(): Promise<string[]> {
  const failedDeployments: string[] = [];
  for (;;) {
    const batch: Message[] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
    if (batch.length === 0) return failedDeployments;
    bodies.push(...batch.map((m) => m.Body ?? ""));
    const response = await workerHandler({ Records: batch.map((m) => ({ messageId: m.MessageId ?? "", body: m.Body ?? "" })) });
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const m of batch) if (failed.has(m.MessageId ?? "")) failedDeployments.push(JSON.parse(m.Body ?? "{}").deployment);
    // Every message leaves: the done ones deleted, the failed ones as the redrive to the DLQ would.
    const entries = batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? "" }));
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

const astroVar = (id: string, key: string) => astro.deployment("org-1", `astro-${id}`)?.environmentVariables.find((v) => v.key === key);
const valueReads = () => aws.calls("BatchGetSecretValue") + aws.calls("GetSecretValue");

describe("AWS reconcile fan-out (schedule → FIFO → worker, ledger in SSM Parameter Store)", () => {
  it("fans every Deployment out the first time; the worker's failed Deployment stays unconfirmed", async () => {
    assert.deepEqual(await reconcile(), DEPLOYMENTS);
    assert.deepEqual(await drainSyncQueue(), ["d3"]);
    assert.equal(astroVar("d0", "AIRFLOW_VAR_REGION")?.value, REGION_1);
  });

  it("enqueues only the Deployment whose run failed when nothing changed, at the listing floor", async () => {
    astro.seedDeployment({ id: "astro-d3", organizationId: "org-1" });
    clock.advance(15 * 60_000);
    aws.resetCalls();
    assert.deepEqual(await reconcile(), ["d3"]);
    // One ListSecrets per prefix of the one shared source, for ten Deployments; no value read.
    assert.equal(aws.calls("ListSecrets"), 2);
    assert.equal(valueReads(), 0);
    assert.equal(aws.calls("GetParametersByPath"), 1, "the ledger: 10 records, one page");
    assert.deepEqual(await drainSyncQueue(), []);
    assert.equal(astroVar("d3", "AIRFLOW_VAR_REGION")?.value, REGION_1);
  });

  it("enqueues nothing when nothing changed: no message, no value read", async () => {
    clock.advance(15 * 60_000);
    aws.resetCalls();
    assert.deepEqual(await reconcile(), []);
    assert.equal(aws.calls("SendMessageBatch") + aws.calls("SendMessage"), 0);
    assert.equal(aws.calls("ListSecrets"), 2);
    assert.equal(valueReads(), 0);
    assert.equal(aws.calls("PutParameter"), 0);
  });

  it("enqueues only the Deployments that select a changed key", async () => {
    await sm.send(new PutSecretValueCommand({ SecretId: "shared/connections/db", SecretString: uri(DB_2) }));
    clock.advance(15 * 60_000);
    assert.deepEqual(
      await reconcile(),
      DEPLOYMENTS.filter((id) => id !== "d1"),
    );
    assert.deepEqual(await drainSyncQueue(), []);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), [], "the worker confirmed every fan-out");
    await sm.send(new PutSecretValueCommand({ SecretId: "shared/variables/region", SecretString: REGION_2 }));
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), DEPLOYMENTS, "a variable every Deployment selects");
    assert.deepEqual(await drainSyncQueue(), []);
    assert.equal(astroVar("d1", "AIRFLOW_VAR_REGION")?.value, REGION_2);
  });

  it("enqueues every Deployment once reconcile.full_every (24h) has passed, changed or not", async () => {
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
    clock.advance(24 * 3_600_000);
    assert.deepEqual(await reconcile(), DEPLOYMENTS);
    assert.deepEqual(await drainSyncQueue(), []);
    clock.advance(15 * 60_000);
    assert.deepEqual(await reconcile(), []);
  });

  it("keeps no value in any queue message or ledger parameter: keyed hashes only", async () => {
    const stored = (await ssm.send(new GetParametersByPathCommand({ Path: LEDGER_PATH.slice(0, -1), MaxResults: 10 }))).Parameters ?? [];
    assert.equal(stored.length, 10);
    assert.ok(stored.every((p) => /"fingerprint":"[0-9a-f]{64}"/.test(p.Value ?? "")));
    assert.ok(bodies.some((b) => b.includes('"fanout"')));
    assertNoSecretLeak(
      [...bodies, ...stored.map((p) => JSON.stringify(p)), ...logLines],
      [DB_1, DB_2, REGION_1, REGION_2, HMAC_KEY, ASTRO_TOKEN],
    );
  });
});
