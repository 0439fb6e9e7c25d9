/**
 * The AWS chain end to end, through the real handlers and the official SDK clients over HTTP:
 * a write on the (emulated) Secrets Manager / SSM → the EventBridge event it emits → `events`
 * → the FIFO queue (emulated SQS) → `worker` → the Airflow 3 REST API emulator, and the Astro
 * API emulator for a second Deployment that reads only Secrets Manager.
 *
 * The only thing standing in for AWS's own machinery is `deliver()`, which plays EventBridge
 * (hand the event to the events handler) and the Lambda SQS poller (receive a batch, call the
 * worker with the SQS event shape, delete what it did not report as failed).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { EventBridgeEvent } from "@afsync/emulators/aws/startAwsEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createEventsHandler } from "../functions/aws/src/handlers/events.ts";
import { createReconcileHandler } from "../functions/aws/src/handlers/reconcile.ts";
import { createWebhookHandler } from "../functions/aws/src/handlers/webhook.ts";
import { createWorkerHandler } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { lambdaConfigYaml } from "../functions/aws/test/support/lambdaConfigYaml.ts";

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
// Sentinels: none of these may appear in any log line or handler result.
const DB_PASSWORD_1 = "pw-one-7f3a9c";
const DB_PASSWORD_2 = "pw-two-51be0d";
const DB_PASSWORD_ROTATED = "pw-rotated-c04e2a";
const AIRFLOW_PASSWORD = "airflow-admin-9d1e";
const HMAC_KEY = "hmac-key-0123456789abcdef-0123456789abcdef";
const WEBHOOK_SECRET = "whsec-e2e-5b7c";
const ASTRO_TOKEN = "astro-token-e2e-8c2f";

let aws: AwsEmulator;
let airflow: AirflowEmulator;
let astro: AstroEmulator;
let sm: SecretsManagerClient;
let ssm: SSMClient;
let sqs: SQSClient;
let queueUrl: string;
let dlqUrl: string;
const logLines: string[] = [];
const results: string[] = [];
let handlers: {
  events: ReturnType<typeof createEventsHandler>;
  worker: ReturnType<typeof createWorkerHandler>;
  reconcile: ReturnType<typeof createReconcileHandler>;
  webhook: ReturnType<typeof createWebhookHandler>;
};

before(async () => {
  aws = await startAwsEmulator({ region: REGION });
  airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
  const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 1 };
  sm = new SecretsManagerClient(client);
  ssm = new SSMClient(client);
  sqs = new SQSClient(client);

  // The queue pair serverless.yml declares: FIFO, explicit dedup ids, DLQ after 5 receives.
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "afsync-e2e-sync-dlq.fifo", Attributes: { FifoQueue: "true" } }));
  dlqUrl = dlq.QueueUrl ?? "";
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: "afsync-e2e-sync.fifo",
      Attributes: {
        FifoQueue: "true",
        ContentBasedDeduplication: "false",
        VisibilityTimeout: "360",
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  queueUrl = queue.QueueUrl ?? "";

  // Deploy-time secrets live in Secrets Manager and reach the config's `_env` options at cold start.
  aws.seedSecret({ name: "afsync/hmac-key", secretString: HMAC_KEY });
  aws.seedSecret({ name: "afsync/airflow-password", secretString: AIRFLOW_PASSWORD });
  aws.seedSecret({ name: "afsync/webhook-secret", secretString: WEBHOOK_SECRET });
  aws.seedSecret({ name: "afsync/astro-token", secretString: ASTRO_TOKEN });

  const config = lambdaConfigYaml(airflow.url, {
    target: "      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }\n",
    prod: "    deletion: delete\n",
    deployments: `  astro:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: dep-astro
      api_url: ${astro.v1Url}
      retry: { max_attempts: 1 }
    sources: [aws-sm]
    deletion: delete
`,
    top: "state: { type: target }\nserve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }\n",
  });
  const env: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: config,
    AFSYNC_QUEUE_URL: queueUrl,
    AFSYNC_ENV_FROM_SECRETS: JSON.stringify({
      AFSYNC_HMAC_KEY: "afsync/hmac-key",
      AIRFLOW_PASSWORD: "afsync/airflow-password",
      AFSYNC_WEBHOOK_SECRET: "afsync/webhook-secret",
      ASTRO_API_TOKEN: "afsync/astro-token",
    }),
    AIRFLOW_USERNAME: "admin",
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_MAX_ATTEMPTS: "1",
  };
  // One cold start shared by the four functions here; in AWS each has its own, built the same way.
  const load = lambdaDepsFromEnv(env, { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }) });
  handlers = {
    events: createEventsHandler(load),
    worker: createWorkerHandler(load),
    reconcile: createReconcileHandler(load),
    webhook: createWebhookHandler(load),
  };
});

after(async () => {
  for (const c of [sm, ssm, sqs]) c?.destroy();
  await airflow?.close();
  await astro?.close();
  await aws?.close();
});

/** EventBridge → events handler, then the SQS poller → worker until the queue is empty. */
async function deliver(events: readonly EventBridgeEvent[]): Promise<{ batches: number; failures: number }> {
  for (const event of events) results.push(JSON.stringify(await handlers.events(event)));
  return drainQueue();
}

async function drainQueue(): Promise<{ batches: number; failures: number }> {
  let batches = 0;
  let failures = 0;
  for (;;) {
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) return { batches, failures };
    batches += 1;
    const response = await handlers.worker({
      Records: messages.map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: m.Attributes ?? {},
        eventSource: "aws:sqs",
      })),
    });
    results.push(JSON.stringify(response));
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    failures += failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
    }
    if (failed.size > 0) return { batches, failures };
  }
}

/** The events a block of SDK calls makes the emulator emit. */
async function eventsOf(action: () => Promise<unknown>): Promise<EventBridgeEvent[]> {
  const seen: EventBridgeEvent[] = [];
  const stop = aws.onEvent((e) => seen.push(e));
  try {
    await action();
  } finally {
    stop();
  }
  return seen;
}

/** The value of an env var of the Astro Deployment (secret values included: the emulator keeps them). */
const astroVar = (key: string) => astro.deployment("org-1", "dep-astro")?.environmentVariables.find((v) => v.key === key);

const uri = (password: string, host = "db.internal") => `postgresql://app:${encodeURIComponent(password)}@${host}:5432/sales`;
// Past SQS FIFO's 5-minute deduplication window, so a redelivery reaches the worker again.
const pastDedupWindow = () => aws.advanceTime(6 * 60_000);

describe("AWS Lambda chain on the emulators", () => {
  let firstPut: EventBridgeEvent[] = [];
  let rotation: EventBridgeEvent[] = [];

  it("creates the connection in Airflow after CreateSecret + PutSecretValue events", async () => {
    const created = await eventsOf(() =>
      sm.send(new CreateSecretCommand({ Name: "airflow/connections/sales_db", SecretString: uri(DB_PASSWORD_1) })),
    );
    assert.ok(created.length >= 1, "the emulator emits the CreateSecret event");
    const out = await deliver(created);
    assert.equal(out.failures, 0);
    const conn = airflow.state.connections.get("sales_db");
    assert.equal(conn?.conn_type, "postgres");
    assert.equal(conn?.host, "db.internal");
    assert.equal(conn?.password, DB_PASSWORD_1);

    firstPut = await eventsOf(() =>
      sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/sales_db", SecretString: uri(DB_PASSWORD_2, "db2.internal") })),
    );
    assert.equal((await deliver(firstPut)).failures, 0);
    assert.equal(airflow.state.connections.get("sales_db")?.host, "db2.internal");
    assert.equal(airflow.state.connections.get("sales_db")?.password, DB_PASSWORD_2);
    // The same secret fans out to the Astro Deployment, as Airflow's JSON connection form.
    const astroConn = JSON.parse(astroVar("AIRFLOW_CONN_SALES_DB")?.value ?? "{}") as Record<string, unknown>;
    assert.equal(astroConn.host, "db2.internal");
    assert.equal(astroConn.password, DB_PASSWORD_2);
    assert.equal(astroVar("AIRFLOW_CONN_SALES_DB")?.isSecret, true);
  });

  it("applies a rotation (AWSPENDING version, then AWSCURRENT moved) as one coalesced write", async () => {
    rotation = await eventsOf(async () => {
      await sm.send(
        new PutSecretValueCommand({
          SecretId: "airflow/connections/sales_db",
          SecretString: uri(DB_PASSWORD_ROTATED, "db2.internal"),
          ClientRequestToken: "11111111-2222-3333-4444-555555555555",
          VersionStages: ["AWSPENDING"],
        }),
      );
      // The rotation function's finishSecret step.
      const old = (await sm.send(new GetSecretValueCommand({ SecretId: "airflow/connections/sales_db" }))).VersionId;
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: "airflow/connections/sales_db",
          VersionStage: "AWSCURRENT",
          MoveToVersionId: "11111111-2222-3333-4444-555555555555",
          ...(old ? { RemoveFromVersionId: old } : {}),
        }),
      );
    });
    assert.ok(rotation.length >= 3, `put, stage move and label updated events (${rotation.length})`);
    airflow.resetCalls();
    const out = await deliver(rotation);
    assert.equal(out.failures, 0);
    assert.equal(airflow.state.connections.get("sales_db")?.password, DB_PASSWORD_ROTATED);
    // The burst is one message per event, all in the Deployment's FIFO group: one batch, coalesced
    // into one plan (one read of the target) and one bulk write of the connection (+ the manifest).
    assert.equal(out.batches, 1);
    assert.equal(airflow.callCount("get_connections"), 1, JSON.stringify(airflow.callCounts()));
    assert.equal(airflow.callCount("bulk_connections"), 1, JSON.stringify(airflow.callCounts()));
    assert.equal(JSON.parse(astroVar("AIRFLOW_CONN_SALES_DB")?.value ?? "{}").password, DB_PASSWORD_ROTATED);
  });

  it("changes nothing further for duplicated events (same id: dropped by SQS FIFO dedup)", async () => {
    airflow.resetCalls();
    astro.resetCalls();
    const out = await deliver(rotation);
    assert.equal(out.batches, 0, "the queue deduplicated every redelivered event");
    assert.equal(airflow.writeCalls(), 0);
    assert.equal(astro.writeCalls(), 0);
  });

  it("changes nothing further for duplicated events past the dedup window, or reordered (older) events", async () => {
    pastDedupWindow();
    airflow.resetCalls();
    astro.resetCalls();
    const duplicated = await deliver(rotation);
    assert.ok(duplicated.batches >= 1, "past the window the worker runs again");
    // An event from before the rotation arrives last: the worker re-reads AWSCURRENT.
    const reordered = await deliver(firstPut);
    assert.equal(duplicated.failures + reordered.failures, 0);
    assert.equal(airflow.writeCalls(), 0, "no write: the target already holds the current value");
    assert.equal(astro.writeCalls(), 0, "no write (and no Astro restart) either");
    assert.equal(airflow.state.connections.get("sales_db")?.password, DB_PASSWORD_ROTATED);
  });

  it("creates and updates a variable from SSM Parameter Store changes", async () => {
    const created = await eventsOf(() =>
      ssm.send(new PutParameterCommand({ Name: "/airflow/variables/region", Value: "eu-west-1", Type: "String" })),
    );
    assert.equal((await deliver(created)).failures, 0);
    assert.equal(airflow.state.variables.get("region")?.value, "eu-west-1");
    const updated = await eventsOf(() =>
      ssm.send(new PutParameterCommand({ Name: "/airflow/variables/region", Value: "us-east-2", Type: "String", Overwrite: true })),
    );
    assert.equal((await deliver(updated)).failures, 0);
    assert.equal(airflow.state.variables.get("region")?.value, "us-east-2");
  });

  it("reports a Deployment whose target failed as a batch item failure, and applies it on redelivery", async () => {
    airflow.inject({ status: 503, times: 1, operationId: "get_connections" });
    const changed = await eventsOf(() =>
      ssm.send(new PutParameterCommand({ Name: "/airflow/variables/region", Value: "ap-south-1", Type: "String", Overwrite: true })),
    );
    const first = await deliver(changed);
    assert.equal(first.failures, 1, "the message goes back to the queue");
    assert.equal(airflow.state.variables.get("region")?.value, "us-east-2");
    aws.advanceTime(361_000); // the visibility timeout runs out: SQS offers the message again
    const retried = await drainQueue();
    assert.deepEqual(retried, { batches: 1, failures: 0 });
    assert.equal(airflow.state.variables.get("region")?.value, "ap-south-1");
  });

  it("ignores events for secrets outside the configured prefixes without touching the queue", async () => {
    const outside = await eventsOf(() => sm.send(new CreateSecretCommand({ Name: "prod/other-app", SecretString: "x" })));
    airflow.resetCalls();
    for (const event of outside) {
      const result = await handlers.events(event);
      assert.deepEqual(result.enqueued, []);
    }
    assert.deepEqual(aws.sqsDepth("afsync-e2e-sync.fifo"), { visible: 0, inFlight: 0 });
  });

  it("restores drift on the scheduled reconciliation and writes nothing when in step", async () => {
    airflow.state.connections.delete("sales_db");
    pastDedupWindow();
    await handlers.reconcile({ id: "schedule-1" });
    assert.equal((await drainQueue()).failures, 0);
    assert.equal(airflow.state.connections.get("sales_db")?.password, DB_PASSWORD_ROTATED);
    airflow.resetCalls();
    await handlers.reconcile({ id: "schedule-2" });
    await drainQueue();
    assert.equal(airflow.writeCalls(), 0);
  });

  it("accepts a signed webhook for a key and queues it like an event", async () => {
    await sm.send(
      new PutSecretValueCommand({ SecretId: "airflow/connections/sales_db", SecretString: uri(DB_PASSWORD_ROTATED, "db3.internal") }),
    );
    const body = JSON.stringify({ source: "aws-sm", keys: ["conn:sales_db"] });
    const signature = signWebhookBody(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000));
    const res = await handlers.webhook({ headers: { "x-afsync-signature": signature }, body });
    assert.equal(res.statusCode, 202);
    const replay = await handlers.webhook({ headers: { "x-afsync-signature": signature }, body });
    assert.equal(replay.statusCode, 409);
    assert.equal((await drainQueue()).failures, 0);
    assert.equal(airflow.state.connections.get("sales_db")?.host, "db3.internal");
  });

  it("keeps the last good value when a new one does not parse, and reports it without retrying", async () => {
    const bad = await eventsOf(() =>
      sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/sales_db", SecretString: "{not json" })),
    );
    airflow.resetCalls();
    const out = await deliver(bad);
    assert.equal(out.failures, 0, "an invalid value is reported, not retried: retrying cannot fix it");
    assert.equal(airflow.state.connections.get("sales_db")?.host, "db3.internal");
    assert.equal(airflow.callCount("bulk_connections"), 0);
    const done = logLines.filter((l) => l.includes('"sync done"')).at(-1) ?? "";
    assert.equal(JSON.parse(done).invalid, 1, done);
  });

  it("deletes the connection after DeleteSecret under deletion: delete", async () => {
    const deleted = await eventsOf(() =>
      sm.send(new DeleteSecretCommand({ SecretId: "airflow/connections/sales_db", RecoveryWindowInDays: 7 })),
    );
    assert.equal((await deliver(deleted)).failures, 0);
    assert.equal(airflow.state.connections.has("sales_db"), false);
    assert.equal(astroVar("AIRFLOW_CONN_SALES_DB"), undefined);
    assert.equal(airflow.state.variables.get("region")?.value, "ap-south-1", "other keys stay");
  });

  it("reports a malformed message as a batch item failure until the queue moves it to the DLQ", async () => {
    assert.deepEqual(aws.sqsDepth("afsync-e2e-sync-dlq.fifo"), { visible: 0, inFlight: 0 }, "nothing was dead-lettered so far");
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"v":9}', MessageGroupId: "prod", MessageDeduplicationId: "poison-1" }),
    );
    let receives = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const out = await drainQueue();
      if (out.batches === 0) break;
      receives += 1;
      assert.equal(out.failures, 1);
      aws.advanceTime(361_000); // past the visibility timeout: SQS offers the message again
    }
    assert.equal(receives, 5, "maxReceiveCount");
    assert.deepEqual(aws.sqsDepth("afsync-e2e-sync-dlq.fifo"), { visible: 1, inFlight: 0 });
    assert.ok(logLines.some((l) => l.includes("queue message rejected")));
  });

  it("never leaks a secret value into logs or handler results", () => {
    assert.ok(logLines.length > 0);
    assertNoSecretLeak(
      [...logLines, ...results],
      [DB_PASSWORD_1, DB_PASSWORD_2, DB_PASSWORD_ROTATED, AIRFLOW_PASSWORD, HMAC_KEY, WEBHOOK_SECRET, ASTRO_TOKEN],
    );
  });
});
