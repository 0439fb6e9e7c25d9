import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "@afsync/core";
import type { AwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startPubSubEmulator } from "@afsync/emulators/gcp/startPubSubEmulator";
import { type Azurite, startAzurite } from "@afsync/testing/startAzurite";
import { CreateQueueCommand, DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import azureFunctions from "@azure/functions";
import { QueueServiceClient } from "@azure/storage-queue";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { createReconcileHandler } from "../../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler } from "../../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { createQueueWorkerHandler } from "../../functions/azure/src/handlers/queueWorker.ts";
import { createReconcileTimerHandler } from "../../functions/azure/src/handlers/reconcileTimer.ts";
import { StorageQueueSyncQueue } from "../../functions/azure/src/queue/StorageQueueSyncQueue.ts";
import { functionDepsFromEnv, producerDepsFromEnv } from "../../functions/azure/src/runtime/functionDepsFromEnv.ts";
import { createReconcileFunction } from "../../functions/gcp/src/handlers/reconcile.ts";
import { createWorkerFunction } from "../../functions/gcp/src/handlers/worker.ts";
import { GCP_FUNCTION_ENV, gcpProducerDepsFromEnv, gcpWorkerDepsFromEnv } from "../../functions/gcp/src/runtime/gcpDepsFromEnv.ts";
import {
  GOOGLE_CERTS,
  PUSH_AUDIENCE,
  PUSH_SERVICE_ACCOUNT,
  pushTokenClaims,
  signGoogleToken,
} from "../../packages/gcp/test/localGoogleKeys.ts";

// A webpack bundle: Node's CJS interop does not see the class as a named export.
const { InvocationContext } = azureFunctions;

/** What a cloud function app is given: its config (inline and as a file) and its settings. */
export interface CloudAppSettings {
  readonly config: string;
  readonly configPath: string;
  /** Settings every runner needs (source endpoint, target credentials, the HMAC key). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Two instances of one cloud's REAL worker function, fed by that cloud's queue, plus the cloud's
 * scheduled reconciliation (its real producer function). Each instance builds its own runtime,
 * as two instances of a function do.
 */
export interface CloudWorkerPair {
  readonly name: string;
  start(app: CloudAppSettings): Promise<void>;
  /** One firing of the cloud's schedule: a `full` message per Deployment on the queue. */
  reconcile(firing: string): Promise<void>;
  /** Resolves once every message queued so far is handled and gone from the queue. */
  settled(timeoutMs: number): Promise<void>;
  /**
   * What the workers did: runs of the worker function that finished without failing (a message
   * Azure's worker folded into another's run counts once), runs that failed (the queue delivers
   * the message again), and messages given up on (dead-lettered).
   */
  outcome(): { readonly succeeded: number; readonly failed: number; readonly deadLettered: number };
  /** Stops the workers (what is under way finishes) and what the pair started. */
  stop(): Promise<void>;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const giveUp = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > giveUp) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * AWS: two worker handlers polling one SQS FIFO queue as the Lambda SQS poller drives them
 * (receive, hand to the handler, delete what did not fail), and the reconcile handler as
 * EventBridge Scheduler invokes it. Secrets come from Secrets Manager (AFSYNC_ENV_FROM_SECRETS).
 * The FIFO message group serializes the two workers on one Deployment.
 */
export function awsWorkerPair(aws: AwsEmulator): CloudWorkerPair {
  const sqs = new SQSClient({ endpoint: aws.url, region: "us-east-1", credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" } });
  let stopping = false;
  let handled = 0;
  let failedItems = 0;
  let fired = 0;
  let workers: Promise<void>[] = [];
  let reconcile: ReturnType<typeof createReconcileHandler> | undefined;
  const queueName = "mixed.fifo";
  return {
    name: "AWS Lambda workers (SQS FIFO)",
    async start(app) {
      const queueUrl =
        (
          await sqs.send(
            new CreateQueueCommand({ QueueName: queueName, Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } }),
          )
        ).QueueUrl ?? "";
      // The function's secrets live in Secrets Manager, named in AFSYNC_ENV_FROM_SECRETS.
      const fromSecrets: Record<string, string> = {};
      const plain: Record<string, string> = {};
      for (const [name, value] of Object.entries(app.env)) {
        if (/KEY|PASSWORD|TOKEN/.test(name) && !name.startsWith("AWS_")) {
          aws.seedSecret({ name: `afsync/${name.toLowerCase()}`, secretString: value });
          fromSecrets[name] = `afsync/${name.toLowerCase()}`;
        } else plain[name] = value;
      }
      const lambdaEnv: NodeJS.ProcessEnv = {
        ...plain,
        AFSYNC_CONFIG: app.config,
        AFSYNC_QUEUE_URL: queueUrl,
        AFSYNC_ENV_FROM_SECRETS: JSON.stringify(fromSecrets),
      };
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
          failedItems += failed.size;
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
      workers = [poll(), poll()];
      reconcile = createReconcileHandler(lambdaDepsFromEnv(lambdaEnv, { logger: silentLogger }));
    },
    async reconcile(firing) {
      await reconcile?.({ id: firing });
      fired += 1;
    },
    async settled(timeoutMs) {
      // A message counts once its delete has answered, so wait for the count, not only the depth.
      const depth = () => aws.sqsDepth(queueName).visible + aws.sqsDepth(queueName).inFlight;
      await until(
        () => depth() === 0 && handled >= fired,
        timeoutMs,
        () => `SQS: depth ${depth()}, handled ${handled} of ${fired}`,
      );
    },
    outcome: () => ({ succeeded: handled, failed: failedItems, deadLettered: 0 }),
    async stop() {
      stopping = true;
      await Promise.all(workers);
      sqs.destroy();
    },
  };
}

/**
 * Azure: two instances of the queue-triggered worker, each under the Deployment's blob lease,
 * fed by a loop that plays the Functions host's queue listener over Azurite (receive, call the
 * worker, delete the message unless it threw), and the timer function's reconciliation.
 */
export function azureWorkerPair(): CloudWorkerPair {
  let azurite: Azurite | undefined;
  let stopping = false;
  let busy = 0;
  let succeeded = 0;
  let failed = 0;
  let workers: Promise<void>[] = [];
  let queueDepth: () => Promise<number> = async () => 0;
  let fire: ((firing: string) => Promise<void>) | undefined;
  let invocations = 0;
  const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({ invocationId: `inv-${++invocations}`, functionName, ...(triggerMetadata ? { triggerMetadata } : {}) });
  return {
    name: "Azure Functions workers (Storage Queues, blob lease)",
    async start(app) {
      azurite = await startAzurite();
      const queueClient = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient("afsync-sync");
      await queueClient.create();
      const queue = new StorageQueueSyncQueue(queueClient);
      // The app settings the Bicep template sets (secrets as Key Vault references, resolved by the platform).
      const settings: NodeJS.ProcessEnv = {
        ...app.env,
        AFSYNC_CONFIG: app.config,
        AzureWebJobsStorage: azurite.connectionString,
        AFSYNC_QUEUE_NAME: "afsync-sync",
        AFSYNC_LEASE_CONTAINER: "afsync-leases",
      };
      const listen = async () => {
        const worker = createQueueWorkerHandler(functionDepsFromEnv(settings, { logger: silentLogger, leaseSeconds: 15 }), {
          leaseWaitMs: 60_000,
          leasePollMs: 50,
          drainVisibilitySeconds: 10,
        });
        while (!stopping) {
          busy += 1;
          try {
            const received = await queue.receive(4, 10);
            for (const message of received) {
              try {
                // The host hands a JSON message over parsed.
                await worker(JSON.parse(message.body), context("worker", { id: `m-${invocations}`, dequeueCount: message.dequeueCount }));
                await message.complete();
                succeeded += 1;
              } catch {
                // Thrown: the message comes back after its visibility timeout, as on the host.
                failed += 1;
              }
            }
            if (received.length > 0) continue;
          } finally {
            busy -= 1;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      workers = [listen(), listen()];
      queueDepth = async () => (await queueClient.getProperties()).approximateMessagesCount ?? 0;
      const reconcile = createReconcileTimerHandler(producerDepsFromEnv(settings, { logger: silentLogger }));
      const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
      fire = async (firing) => {
        await reconcile(timer, context(`reconcile-${firing}`));
      };
    },
    async reconcile(firing) {
      await fire?.(firing);
    },
    async settled(timeoutMs) {
      // Azure's approximate count includes hidden (received, not yet deleted) messages.
      let depth = -1;
      await until(
        async () => {
          depth = await queueDepth();
          return depth === 0 && busy === 0;
        },
        timeoutMs,
        () => `Storage queue: ${depth} messages, ${busy} listeners busy`,
      );
    },
    outcome: () => ({ succeeded, failed, deadLettered: 0 }),
    async stop() {
      stopping = true;
      await Promise.all(workers);
      await azurite?.stop();
    },
  };
}

/**
 * GCP: two instances of the worker function (functions-framework's server, each with its own
 * runtime), each behind its own push subscription of the worker topic on the Pub/Sub emulator,
 * and the reconcile function as Cloud Scheduler calls it (OIDC token). Two subscriptions deliver
 * every message to both instances at once: harsher than production, where the one ordered
 * subscription hands a Deployment's messages out one at a time, so the two workers overlap each
 * other as well as serve and the CLI.
 */
export function gcpWorkerPair(): CloudWorkerPair {
  const servers: Server[] = [];
  let pubsub: Awaited<ReturnType<typeof startPubSubEmulator>> | undefined;
  const subscriptions: ReturnType<Awaited<ReturnType<typeof startPubSubEmulator>>["pushTo"]>[] = [];
  let reconcileUrl = "";
  const authorization = () => `Bearer ${signGoogleToken(pushTokenClaims())}`;
  const serve = async (name: string): Promise<string> => {
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  return {
    name: "GCP Cloud Functions workers (Pub/Sub push)",
    async start(app) {
      pubsub = await startPubSubEmulator({ projectId: "afsync-mixed" });
      const topic = pubsub.createTopic("afsync-sync");
      // What Terraform sets (secrets mounted from Secret Manager as environment variables).
      const env: NodeJS.ProcessEnv = {
        ...app.env,
        [GCP_FUNCTION_ENV.config]: app.configPath,
        [GCP_FUNCTION_ENV.syncTopic]: topic,
        [GCP_FUNCTION_ENV.pubsubEndpoint]: pubsub.endpoint,
        [GCP_FUNCTION_ENV.oidcAudience]: PUSH_AUDIENCE,
        [GCP_FUNCTION_ENV.oidcServiceAccount]: PUSH_SERVICE_ACCOUNT,
      };
      const coldStart = { logger: silentLogger, certs: GOOGLE_CERTS };
      functions.http("mixed-reconcile", createReconcileFunction(gcpProducerDepsFromEnv(env, coldStart)));
      reconcileUrl = await serve("mixed-reconcile");
      for (const instance of ["a", "b"]) {
        functions.http(`mixed-worker-${instance}`, createWorkerFunction(gcpWorkerDepsFromEnv(env, coldStart)));
        const url = await serve(`mixed-worker-${instance}`);
        subscriptions.push(pubsub.pushTo({ topic, url, authorization }));
      }
    },
    async reconcile(firing) {
      const response = await fetch(reconcileUrl, {
        method: "POST",
        headers: { authorization: authorization(), "x-cloudscheduler-scheduletime": firing },
      });
      if (response.status !== 202) throw new Error(`reconcile answered ${response.status}: ${await response.text()}`);
    },
    async settled(timeoutMs) {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timed out waiting for the push subscriptions to settle")), timeoutMs).unref(),
      );
      await Promise.race([Promise.all(subscriptions.map((s) => s.settled())), timeout]);
    },
    outcome: () => ({
      succeeded: subscriptions.reduce((n, s) => n + s.attempts.filter((a) => a.acked).length, 0),
      failed: subscriptions.reduce((n, s) => n + s.attempts.filter((a) => !a.acked).length, 0),
      deadLettered: subscriptions.reduce((n, s) => n + s.deadLettered.length, 0),
    }),
    async stop() {
      for (const s of subscriptions) s.stop();
      await Promise.all(subscriptions.map((s) => s.settled()));
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await pubsub?.close();
    },
  };
}
