/**
 * Event bursts of 100 and 1,000 on one Deployment through the REAL AWS handlers and queues on the
 * emulators (events → standard hint queue → coalesce → FIFO sync queue → worker → Airflow API):
 * target writes, engine runs, provider calls, and the engine's overhead per event as a ratio to a
 * no-op pipeline with the same plumbing (same handlers and queues, the worker's engine replaced by
 * one that does nothing), measured in the same run. For contrast, the path before issue 14 (events
 * straight to the FIFO queue, batches of 10) with the real engine.
 *
 * Wall times on a shared machine are noisy: afsync and the no-op pipeline are alternated, three
 * rounds each, and the medians compared; the counts are exact.
 *
 * The pollers stand in for Lambda's: the hint queue's batch is everything waiting, up to 1,000
 * (one batching window); the FIFO batches hold at most 10.
 *
 * GCP's path (ADR 008: push → work topic + doorbell → worker pulls and folds) and Azure's (Event
 * Grid trigger → Storage Queues on Azurite → worker folding under the blob lease) are measured the
 * same way by `support/gcpEventBursts.ts` and `support/azureEventBursts.ts`.
 */
import { performance } from "node:perf_hooks";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type EventBridgeEvent, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createCoalesceHandler } from "../functions/aws/src/handlers/coalesce.ts";
import { createEventsHandler } from "../functions/aws/src/handlers/events.ts";
import { createWorkerHandler, type SqsBatchResponse } from "../functions/aws/src/handlers/worker.ts";
import type { LambdaDeps } from "../functions/aws/src/runtime/LambdaDeps.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { lambdaConfigYaml } from "../functions/aws/test/support/lambdaConfigYaml.ts";
import { alternatedRounds } from "./support/alternatedRounds.ts";
import { measureAzureBursts } from "./support/azureEventBursts.ts";
import { measureGcpBursts } from "./support/gcpEventBursts.ts";
import { noopEngine } from "./support/noopEngine.ts";

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const aws = await startAwsEmulator({ region: REGION });
const airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: "admin-bench" } });
const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 1 };
const sm = new SecretsManagerClient(client);
const sqs = new SQSClient(client);
const syncUrl =
  (await sqs.send(new CreateQueueCommand({ QueueName: "bench-sync.fifo", Attributes: { FifoQueue: "true", VisibilityTimeout: "360" } })))
    .QueueUrl ?? "";
const hintUrl =
  (await sqs.send(new CreateQueueCommand({ QueueName: "bench-hints", Attributes: { VisibilityTimeout: "360" } }))).QueueUrl ?? "";
aws.seedSecret({ name: "afsync/hmac-key", secretString: "hmac-key-bench-0123456789abcdef-0123456789" });
aws.seedSecret({ name: "airflow/connections/burst_db", secretString: "postgresql://app:v0@db.internal:5432/app" });

const lines: string[] = [];
function depsFor(hintQueue: boolean) {
  return lambdaDepsFromEnv(
    {
      AFSYNC_CONFIG: lambdaConfigYaml(airflow.url, { top: "state: { type: target }\n" }),
      AFSYNC_QUEUE_URL: syncUrl,
      ...(hintQueue ? { AFSYNC_HINT_QUEUE_URL: hintUrl } : {}),
      AFSYNC_HMAC_KEY: "hmac-key-bench-0123456789abcdef-0123456789",
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD: "admin-bench",
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_MAX_ATTEMPTS: "1",
    },
    { logger: createJsonLineLogger({ write: (line) => lines.push(line) }) },
  );
}

type Handler = (event: { Records: { messageId: string; body: string }[] }) => Promise<SqsBatchResponse>;
async function pollOnce(url: string, batchSize: number, handler: Handler): Promise<number> {
  const batch: Message[] = [];
  while (batch.length < batchSize) {
    const got =
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, batchSize - batch.length) })))
        .Messages ?? [];
    if (got.length === 0) break;
    batch.push(...got);
  }
  if (batch.length === 0) return 0;
  const response = await handler({ Records: batch.map((m) => ({ messageId: m.MessageId ?? "", body: m.Body ?? "" })) });
  if (response.batchItemFailures.length > 0) throw new Error(`${response.batchItemFailures.length} messages failed`);
  for (let i = 0; i < batch.length; i += 10)
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: batch.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? "" })),
      }),
    );
  return batch.length;
}

let puts = 0;
async function burstEvents(size: number): Promise<EventBridgeEvent[]> {
  const events: EventBridgeEvent[] = [];
  const stop = aws.onEvent((e) => events.push(e));
  while (events.length < size)
    await sm.send(
      new PutSecretValueCommand({
        SecretId: "airflow/connections/burst_db",
        SecretString: `postgresql://app:v${++puts}@db.internal:5432/app`,
      }),
    );
  stop();
  return events.slice(0, size);
}

async function measure(size: number, pipeline: "afsync" | "noop" | "fifo-only") {
  const load = depsFor(pipeline !== "fifo-only");
  const deps: () => Promise<LambdaDeps> = pipeline === "noop" ? async () => ({ ...(await load()), engine: noopEngine }) : load;
  const events = createEventsHandler(deps);
  const coalesce = createCoalesceHandler(deps);
  const worker = createWorkerHandler(deps);
  await deps(); // cold start outside the timing
  const burst = await burstEvents(size);
  airflow.resetCalls();
  aws.resetCalls();
  const runsBefore = lines.filter((l) => l.includes('"message":"sync done"')).length;
  const start = performance.now();
  for (const event of burst) await events(event);
  if (pipeline !== "fifo-only") while ((await pollOnce(hintUrl, 1000, coalesce)) > 0);
  let workerInvocations = 0;
  while ((await pollOnce(syncUrl, 10, worker)) > 0) workerInvocations += 1;
  const ms = performance.now() - start;
  const calls = aws.calls();
  const providerCalls = Object.entries(calls)
    .filter(([op]) => op.startsWith("secretsmanager.") || op.startsWith("AmazonSSM."))
    .reduce((n, [, c]) => n + c, 0);
  return {
    events: size,
    ms: Math.round(ms),
    msPerEvent: Number((ms / size).toFixed(3)),
    workerInvocations,
    engineRuns: pipeline === "noop" ? 0 : lines.filter((l) => l.includes('"message":"sync done"')).length - runsBefore,
    targetWrites: airflow.writeCalls(),
    targetReads: airflow.callCount("get_connections"),
    providerCalls,
    sqsCalls: Object.entries(calls)
      .filter(([op]) => op.startsWith("AmazonSQS."))
      .reduce((n, [, c]) => n + c, 0),
  };
}

async function compare(size: number) {
  return {
    ...(await alternatedRounds((pipeline) => measure(size, pipeline))),
    fifoOnly: await measure(size, "fifo-only"),
  };
}

const aws100 = await compare(100);
const aws1000 = await compare(1000);
sm.destroy();
sqs.destroy();
await airflow.close();
await aws.close();
const gcp = await measureGcpBursts([100, 1000]);
const azure = await measureAzureBursts([100, 1000]);

const ratio = (r: { afsync: { ms: number }; noop: { ms: number } }) => Number((r.afsync.ms / Math.max(1, r.noop.ms)).toFixed(3));
const overheadPerEvent = (r: { afsync: { ms: number; events: number }; noop: { ms: number } }) =>
  Number(((r.afsync.ms - r.noop.ms) / r.afsync.events).toFixed(3));
function withRatios<R extends { afsync: { ms: number; events: number }; noop: { ms: number } }>(bursts: Record<string, R>) {
  return Object.fromEntries(
    Object.entries(bursts).map(([burst, r]) => [
      burst,
      { ...r, engineToNoopRatio: ratio(r), engineOverheadMsPerEvent: overheadPerEvent(r) },
    ]),
  );
}
process.stdout.write(
  `${JSON.stringify({
    aws: {
      burst100: { ...aws100, engineToNoopRatio: ratio(aws100), engineOverheadMsPerEvent: overheadPerEvent(aws100) },
      burst1000: { ...aws1000, engineToNoopRatio: ratio(aws1000), engineOverheadMsPerEvent: overheadPerEvent(aws1000) },
    },
    azure: withRatios(azure),
    gcp: withRatios(gcp),
  })}\n`,
);
