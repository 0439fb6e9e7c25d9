/**
 * The AWS Lambda worker reading a Vault source with AWS IAM auth: the reconcile function enqueues
 * a full sync, the worker logs in to (emulated) Vault with a SigV4-signed GetCallerIdentity made
 * from the Lambda role's session credentials, reads KV v2 and writes Airflow 3 connections. The
 * Vault emulator verifies the signature with the role's key, so a wrong key would fail the login.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createReconcileHandler } from "../functions/aws/src/handlers/reconcile.ts";
import { createWorkerHandler } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";

const REGION = "us-east-1";
// The Lambda role's session credentials, as the runtime puts them in the environment.
const ROLE_KEY = { accessKeyId: "ASIALAMBDAROLE", secretAccessKey: "lambda-role-secret-5e2b", sessionToken: "lambda-session-token-77" };
const DB_PASSWORD = "vault-lambda-db-Pa55-81c3";
const AIRFLOW_PASSWORD = "airflow-admin-vault-3f0d";
const HMAC_KEY = "hmac-key-vault-lambda-0123456789abcdef";

let aws: AwsEmulator;
let vault: VaultEmulator;
let airflow: AirflowEmulator;
let sqs: SQSClient;
let queueUrl: string;
const logLines: string[] = [];

describe("AWS Lambda worker with a vault source (auth_type aws_iam)", () => {
  let handlers: { worker: ReturnType<typeof createWorkerHandler>; reconcile: ReturnType<typeof createReconcileHandler> };

  before(async () => {
    aws = await startAwsEmulator({ region: REGION });
    vault = await startVaultEmulator();
    airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
    vault.addAwsCredentials(ROLE_KEY.accessKeyId, ROLE_KEY.secretAccessKey, "arn:aws:sts::123456789012:assumed-role/afsync-worker/fn", [
      "afsync-worker",
    ]);
    vault.seed("secret/airflow/connections/sales_db", { conn_uri: `postgresql://app:${DB_PASSWORD}@db.internal:5432/sales` });
    vault.seed("secret/airflow/variables/region", { value: "eu" });
    sqs = new SQSClient({ endpoint: aws.url, region: REGION, credentials: ROLE_KEY });
    const queue = await sqs.send(
      new CreateQueueCommand({ QueueName: "afsync-vault-e2e.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } }),
    );
    queueUrl = queue.QueueUrl ?? "";
    const config = `
sources:
  vault-prod:
    type: vault
    url: ${vault.url}
    auth_type: aws_iam
    role_id: afsync-worker
    connections_path: airflow/connections
    variables_path: airflow/variables
deployments:
  prod:
    target:
      type: airflow-api
      url: ${airflow.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }
    sources: [vault-prod]
    deletion: delete
state: { type: target }
`;
    const env: NodeJS.ProcessEnv = {
      AFSYNC_CONFIG: config,
      AFSYNC_QUEUE_URL: queueUrl,
      AFSYNC_HMAC_KEY: HMAC_KEY,
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD,
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: ROLE_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ROLE_KEY.secretAccessKey,
      AWS_SESSION_TOKEN: ROLE_KEY.sessionToken,
      AWS_MAX_ATTEMPTS: "1",
    };
    const load = lambdaDepsFromEnv(env, { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }) });
    handlers = { worker: createWorkerHandler(load), reconcile: createReconcileHandler(load) };
  });

  after(async () => {
    sqs?.destroy();
    await airflow?.close();
    await vault?.close();
    await aws?.close();
  });

  async function drainQueue(): Promise<number> {
    let failures = 0;
    for (;;) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) return failures;
      const response = await handlers.worker({
        Records: messages.map((m) => ({
          messageId: m.MessageId ?? "",
          receiptHandle: m.ReceiptHandle ?? "",
          body: m.Body ?? "",
          attributes: m.Attributes ?? {},
          eventSource: "aws:sqs",
        })),
      });
      failures += response.batchItemFailures.length;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
    }
  }

  it("logs in with the role's signed GetCallerIdentity and syncs Vault into Airflow", async () => {
    assert.deepEqual((await handlers.reconcile({ id: "schedule-1" })).enqueued, ["prod"]);
    assert.equal(await drainQueue(), 0);
    assert.equal(vault.calls("auth/aws/login"), 1);
    assert.equal(airflow.state.connections.get("sales_db")?.password, DB_PASSWORD);
    assert.equal(airflow.state.variables.get("region")?.value, "eu");
  });

  it("reuses the token on a warm invocation", async () => {
    vault.write("secret/airflow/variables/region", { value: "us" });
    await handlers.reconcile({ id: "schedule-2" });
    assert.equal(await drainQueue(), 0);
    assert.equal(airflow.state.variables.get("region")?.value, "us");
    assert.equal(vault.calls("auth/aws/login"), 1, "no second login while the lease is fresh");
  });

  it("never logged a secret", () => {
    assertNoSecretLeak(logLines, [DB_PASSWORD, AIRFLOW_PASSWORD, HMAC_KEY, ROLE_KEY.secretAccessKey, ROLE_KEY.sessionToken]);
  });
});
