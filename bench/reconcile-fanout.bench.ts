/**
 * The scheduled reconciliation's fan-out on AWS, through the real reconcile and worker handlers
 * (each with its own composition root) and the official SDK clients against the emulators:
 * 1,000 Secrets Manager secrets shared by 10 Astro Deployments. For a no-op firing (nothing
 * changed since the last one, every fan-out confirmed) it measures the messages enqueued and the
 * provider calls, of the reconcile alone and with the worker runs those messages cause, under
 * `reconcile.fanout: changed` (the default) and `all` (every Deployment, the old behaviour).
 * The Astro API calls the worker runs make (each reads its Deployment) are counted too.
 */
import { performance } from "node:perf_hooks";
import { startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createReconcileHandler } from "../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { reconcileDepsFromEnv } from "../functions/aws/src/runtime/reconcileDepsFromEnv.ts";

const SECRETS = 1000;
const DEPLOYMENTS = Array.from({ length: 10 }, (_, i) => `d${i}`);
const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const quiet = { log: () => undefined };

const aws = await startAwsEmulator({ region: REGION });
const astro = await startAstroEmulator({ token: "astro-bench-token" });
for (const id of DEPLOYMENTS) astro.seedDeployment({ id: `astro-${id}`, organizationId: "org-1" });
aws.seedSecret({ name: "afsync/hmac-key", secretString: "hmac-key-bench-fanout-0123456789abcdef" });
aws.seedSecret({ name: "afsync/astro-token", secretString: "astro-bench-token" });
for (let i = 0; i < SECRETS; i++) aws.seedSecret({ name: `shared/variables/var_${i}`, secretString: `value-${i}` });
const sqs = new SQSClient({ endpoint: aws.url, region: REGION, credentials, maxAttempts: 1 });

async function measure(fanout: "changed" | "all") {
  const queueUrl =
    (
      await sqs.send(
        new CreateQueueCommand({ QueueName: `bench-${fanout}.fifo`, Attributes: { FifoQueue: "true", VisibilityTimeout: "360" } }),
      )
    ).QueueUrl ?? "";
  const deployments = DEPLOYMENTS.map(
    (id) =>
      `  ${id}:\n    target: { type: astro-env-vars, organization_id: org-1, deployment_id: astro-${id}, api_url: "${astro.v1Url}" }\n    sources: [shared]\n`,
  ).join("");
  const env: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: `sources:\n  shared: { type: aws-secrets-manager, connections_prefix: shared/connections, variables_prefix: shared/variables }\ndeployments:\n${deployments}state: { type: target }\nreconcile: { fanout: ${fanout} }\n`,
    AFSYNC_QUEUE_URL: queueUrl,
    AFSYNC_FANOUT_PARAMETER_PATH: `/afsync/bench-${fanout}/fanout/`,
    AFSYNC_ENV_FROM_SECRETS: JSON.stringify({ AFSYNC_HMAC_KEY: "afsync/hmac-key", ASTRO_API_TOKEN: "afsync/astro-token" }),
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
  const reconcile = createReconcileHandler(reconcileDepsFromEnv(env, { logger: quiet }));
  const worker = createWorkerHandler(lambdaDepsFromEnv(env, { logger: quiet }));
  const drain = async () => {
    for (;;) {
      const batch = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }))).Messages ?? [];
      if (batch.length === 0) return;
      await worker({ Records: batch.map((m) => ({ messageId: m.MessageId ?? "", body: m.Body ?? "" })) });
      const entries = batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle ?? "" }));
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  };
  // The first firing and its runs: every Deployment gets the 1,000 variables, every fan-out confirmed.
  await reconcile({ id: `first-${fanout}` });
  await drain();
  aws.resetCalls();
  const start = performance.now();
  const { enqueued } = await reconcile({ id: `noop-${fanout}` });
  const reconcileMs = Math.round(performance.now() - start);
  const reconcileCalls = providerCalls(aws.calls());
  aws.resetCalls();
  astro.resetCalls();
  await drain();
  const workerCalls = providerCalls(aws.calls());
  const targetCalls = Object.values(astro.calls()).reduce((n, c) => n + c, 0);
  return { messagesEnqueued: enqueued.length, reconcileMs, reconcile: reconcileCalls, workerRunsAfter: { ...workerCalls, targetCalls } };
}

/** Secrets Manager calls (the provider) apart from the ledger's (SSM) and the HMAC key's one GetSecretValue at cold start. */
function providerCalls(calls: Record<string, number>) {
  const of = (op: string) => calls[op] ?? 0;
  return {
    listSecrets: of("secretsmanager.ListSecrets"),
    valueReadCalls: of("secretsmanager.BatchGetSecretValue") + of("secretsmanager.GetSecretValue"),
    ledgerCalls: of("AmazonSSM.GetParametersByPath") + of("AmazonSSM.PutParameter"),
  };
}

const changed = await measure("changed");
const all = await measure("all");
sqs.destroy();
await astro.close();
await aws.close();
process.stdout.write(
  `${JSON.stringify({
    secrets: SECRETS,
    deployments: DEPLOYMENTS.length,
    // The listing floor for one source of 1,000 secrets: ListSecrets pages of 100 on its one variables prefix, plus the empty connections prefix.
    listingFloor: Math.ceil(SECRETS / 100) + 1,
    noopChanged: changed,
    noopAll: all,
  })}\n`,
);
