/**
 * One leak check over every path a secret value can take, for every provider and target on this
 * branch: sentinel values in AWS Secrets Manager, SSM, Key Vault, Secret Manager, Vault and the
 * local files, synced into env-file, airflow-settings, local-filesystem, the Airflow 3 REST API and
 * Astro env vars. Checked: the binary's stdout and stderr (plan, sync, explain, text and JSON,
 * invalid values, a failing target), serve's log, status page, /status.json and webhook answers,
 * the Lambda functions' JSON logs and results, every SQS message and dead-lettered message (which
 * carry no value at all), errors thrown in-process with their stacks, and afsync's own files
 * (SQLite state with its WAL). A sentinel may only be found in the target files it belongs in.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { type AwsEmulator, type EventBridgeEvent, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { parseWebhookBody } from "@afsync/runtime/webhook/parseWebhookBody";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { createEventsHandler } from "../functions/aws/src/handlers/events.ts";
import { createWebhookHandler } from "../functions/aws/src/handlers/webhook.ts";
import { createWorkerHandler } from "../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { lambdaConfigYaml } from "../functions/aws/test/support/lambdaConfigYaml.ts";
import { startServe } from "./localServeProcess.ts";

const V = {
  sm: "Lp-sm-pw-7f3a9c1d",
  smRotated: "Lp-sm-rotated-40be",
  smLambda: "Lp-sm-lambda-77a1",
  smBad: "Lp-sm-bad-92ab7c",
  ssm: "Lp-ssm-pw-b81e5a",
  kv: "Lp-kv-pw-44d0e2f",
  gcp: "Lp-gcp-pw-5e1f08",
  vault: "Lp-vault-pw-c3c3aa",
  file: "Lp-file-pw-0d0d11",
  variable: "Lp-var-9f7c2e61",
} as const;
const VALUES: string[] = Object.values(V);
/** Credentials afsync holds: they belong in no output and no target. */
const C = {
  webhook: "Lp-webhook-secret-6b6b",
  airflow: "Lp-airflow-admin-1c2d",
  astro: "Lp-astro-token-3e4f",
  hmac: "Lp-hmac-key-0123456789abcdef-0123456789abcdef",
  vaultToken: "Lp-vault-root-5a6b",
  gcpKey: "Lp-gcp-private-key-7c8d",
} as const;
const CREDENTIALS: string[] = Object.values(C);
const REGION = "us-east-1";
const awsCredentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const uri = (password: string, port = 5432) => `postgresql://app:${encodeURIComponent(password)}@db.internal:${port}/sales`;

let dir: string;
let aws: AwsEmulator;
let kv: KeyVaultEmulator;
let gcp: GcpEmulator;
let vault: VaultEmulator;
let airflow: AirflowEmulator;
let astro: AstroEmulator;
/** Everything that must hold no sentinel, labelled (labels never carry a value). */
const texts: string[] = [];
const record = (what: string, text: string) => texts.push(`[${what}]\n${text}`);

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

before(async () => {
  [aws, kv, gcp, vault, airflow, astro] = await Promise.all([
    startAwsEmulator({ region: REGION }),
    startKeyVaultEmulator(),
    startGcpEmulator({ projectId: "afsync-leak-project" }),
    startVaultEmulator({ rootToken: C.vaultToken }),
    startAirflowEmulator({ apiVersion: 2, users: { admin: C.airflow } }),
    startAstroEmulator({ token: C.astro }),
  ]);
  astro.seedDeployment({ id: "dep-leak", organizationId: "org-1" });
  aws.seedSecret({ name: "airflow/connections/sm_db", secretString: uri(V.sm) });
  // Invalid (port out of range): its reason must name the field, never the value.
  aws.seedSecret({ name: "airflow/connections/sm_bad", secretString: uri(V.smBad, 99999) });
  aws.seedSecret({ name: "airflow/variables/sm_var", secretString: V.variable });
  aws.seedParameter({ name: "/airflow/connections/ssm_db", value: uri(V.ssm), type: "SecureString" });
  kv.seedSecret("airflow-connections-kvdb", { value: uri(V.kv) });
  gcp.seedSecret({ secretId: "airflow-connections-gcp_db", versions: [uri(V.gcp)] });
  vault.seed("secret/airflow/connections/vault_db", { conn_uri: uri(V.vault) });

  dir = mkdtempSync(join(tmpdir(), "afsync-leak-all-"));
  mkdirSync(join(dir, "secrets"));
  mkdirSync(join(dir, "bin"));
  writeFileSync(join(dir, "secrets/connections.yaml"), `file_db: ${uri(V.file)}\n`);
  writeFileSync(join(dir, "kv-ca.pem"), kv.ca);
  writeFileSync(
    join(dir, "service-account.json"),
    JSON.stringify({
      type: "service_account",
      project_id: gcp.project.id,
      client_email: "afsync@x.iam.gserviceaccount.com",
      private_key: C.gcpKey,
    }),
  );
  // `az account get-access-token`, as DefaultAzureCredential runs it after `az login`.
  writeFileSync(
    join(dir, "bin/az"),
    `#!/bin/sh\nprintf '%s' '{"accessToken":"${kv.token}","expiresOn":"2099-01-01 00:00:00.000000","expires_on":4070908800,"tokenType":"Bearer"}'\n`,
  );
  chmodSync(join(dir, "bin/az"), 0o755);
  const all = "[aws-sm, aws-ssm, kv, gcp, vault, files]";
  writeFileSync(
    join(dir, "afsync.yaml"),
    `
sources:
  aws-sm: { type: aws-secrets-manager }
  aws-ssm: { type: aws-ssm }
  kv: { type: azure-key-vault, vault_url: "${kv.url}" }
  gcp: { type: gcp-secret-manager, api_endpoint: "${gcp.endpoint}", connections_prefix: airflow-connections, variables_prefix: airflow-variables }
  vault: { type: vault, mount_point: secret, connections_path: airflow/connections, variables_path: airflow/variables }
  files: { type: local, connections_file_path: secrets/connections.yaml }
deployments:
  env:
    target: { type: env-file, path: out/.env, create_dirs: true }
    sources: ${all}
  settings:
    target: { type: airflow-settings, path: out/airflow_settings.yaml, create_dirs: true }
    sources: ${all}
  lfs:
    target: { type: local-filesystem, connections_file_path: out/connections.json, variables_file_path: out/variables.json, create_dirs: true }
    sources: ${all}
  airflow:
    target:
      type: airflow-api
      url: ${airflow.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AF_USER, password_env: AF_PASSWORD }
      retry: { max_attempts: 1 }
    sources: ${all}
  astro:
    target: { type: astro-env-vars, organization_id: org-1, deployment_id: dep-leak, token_env: ASTRO_API_TOKEN, api_url: "${astro.v1Url}", retry: { max_attempts: 1 } }
    sources: ${all}
state: { type: sqlite, path: .afsync/state.db }
serve: { host: 127.0.0.1, port: 0, reconcile_every: 15m, webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`,
  );
});

after(async () => {
  await Promise.all([aws, kv, gcp, vault, airflow, astro].map((e) => e?.close()));
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function binaryEnv(overrides: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: awsCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: awsCredentials.secretAccessKey,
    AWS_MAX_ATTEMPTS: "1",
    PATH: `${join(dir, "bin")}${delimiter}${process.env.PATH ?? ""}`,
    NODE_EXTRA_CA_CERTS: join(dir, "kv-ca.pem"),
    AZURE_TOKEN_CREDENTIALS: "AzureCliCredential",
    GOOGLE_APPLICATION_CREDENTIALS: join(dir, "service-account.json"),
    GOOGLE_CLOUD_PROJECT: undefined,
    GCLOUD_PROJECT: undefined,
    VAULT_ADDR: vault.url,
    VAULT_TOKEN: C.vaultToken,
    VAULT_NAMESPACE: undefined,
    AF_USER: "admin",
    AF_PASSWORD: C.airflow,
    ASTRO_API_TOKEN: C.astro,
    AFSYNC_WEBHOOK_SECRET: C.webhook,
    ...overrides,
  };
}

describe("secret leak check over every path, provider and target", () => {
  it("the CLI (plan, sync, explain, a failing target) and serve show no value", async () => {
    // Few runs, each through many paths: every binary start costs seconds on a shared machine.
    const runs: string[][] = [["plan", "--json"], ["sync"], ["explain", "conn:sm_bad", "--json"]];
    for (const args of runs) {
      const run = await runAfsyncBinary([...args, "--config", join(dir, "afsync.yaml")], { env: binaryEnv() });
      assert.notEqual(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      record(`afsync ${args.join(" ")} stdout`, run.stdout);
      record(`afsync ${args.join(" ")} stderr`, run.stderr);
    }
    // Every provider's value reached every target kind, so the values went through every path checked.
    const env = readFileSync(join(dir, "out/.env"), "utf8");
    for (const value of [V.sm, V.ssm, V.kv, V.gcp, V.vault, V.file, V.variable])
      assert.ok(env.includes(encodeURIComponent(value)) || env.includes(value));
    assert.equal(airflow.state.connections.get("gcp_db")?.password, V.gcp);
    assert.ok(astro.deployment("org-1", "dep-leak")?.environmentVariables.some((v) => v.key === "AIRFLOW_CONN_VAULT_DB"));
    assert.match(texts.join("\n"), /invalid +conn:sm_bad/, "the invalid value's reason went through the output checked");

    // A failing target: Airflow refuses the password. Its error goes through the JSON report.
    const failing = await runAfsyncBinary(["sync", "--json", "--config", join(dir, "afsync.yaml")], {
      env: binaryEnv({ AF_PASSWORD: "wrong-password" }),
    });
    assert.equal(failing.code, 1, failing.stderr);
    record("afsync sync (failing target) stdout", failing.stdout);
    record("afsync sync (failing target) stderr", failing.stderr);

    const serve = await startServe(["--config", join(dir, "afsync.yaml")], { cwd: dir, env: binaryEnv() as Record<string, string> });
    try {
      const sm = new SecretsManagerClient({ endpoint: aws.url, region: REGION, credentials: awsCredentials, maxAttempts: 1 });
      await sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/sm_db", SecretString: uri(V.smRotated) }));
      sm.destroy();
      const body = JSON.stringify({ source: "aws-sm", keys: ["conn:sm_db", "conn:sm_bad", "var:sm_var"] });
      const hook = await fetch(`${serve.url}/hooks/generic?wait=1`, {
        method: "POST",
        body,
        headers: { "x-afsync-signature": signWebhookBody(C.webhook, body, Math.floor(Date.now() / 1000)) },
      });
      assert.equal(hook.status, 200);
      record("serve webhook answer", await hook.text());
      const refused = await fetch(`${serve.url}/hooks/generic`, { method: "POST", body: `{"source":"${V.sm}"}` });
      record("serve webhook 401", await refused.text());
      for (const path of ["/", "/healthz", "/status.json", "/nope"])
        record(`GET ${path}`, await (await fetch(`${serve.url}${path}`)).text());
    } finally {
      assert.equal(await serve.stop(), 0);
    }
    record("serve stdout", serve.stdout());
    record("serve stderr", serve.stderr());
    assert.ok(readFileSync(join(dir, "out/.env"), "utf8").includes(V.smRotated), "the webhook's run wrote the rotated value");

    // afsync's own files hold no value; target files hold only what they should.
    const targets = new Set(["out/.env", "out/airflow_settings.yaml", "out/connections.json", "out/variables.json"]);
    let stateChecked = false;
    for (const path of filesUnder(dir)) {
      const rel = relative(dir, path);
      if (targets.has(rel) || rel.startsWith("secrets/") || rel === "afsync.yaml" || rel === "service-account.json") continue;
      if (rel.startsWith(".afsync/state.db")) stateChecked = true;
      record(`file ${rel}`, readFileSync(path).toString("latin1"));
    }
    assert.ok(stateChecked, "the SQLite state was among the files checked");
    for (const rel of targets) {
      const content = readFileSync(join(dir, rel), "utf8");
      assertNoSecretLeak([content], [...CREDENTIALS, V.smBad]);
    }
    assertNoSecretLeak(texts, [...VALUES, ...CREDENTIALS]);
  });

  it("the Lambda functions' logs and results, queue and dead-letter messages, and thrown errors show no value", async () => {
    const sqs = new SQSClient({ endpoint: aws.url, region: REGION, credentials: awsCredentials, maxAttempts: 1 });
    const sm = new SecretsManagerClient({ endpoint: aws.url, region: REGION, credentials: awsCredentials, maxAttempts: 1 });
    try {
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "leak-dlq.fifo", Attributes: { FifoQueue: "true" } }));
      const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes
        ?.QueueArn;
      const queue = await sqs.send(
        new CreateQueueCommand({
          QueueName: "leak-sync.fifo",
          Attributes: {
            FifoQueue: "true",
            VisibilityTimeout: "360",
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 }),
          },
        }),
      );
      const queueUrl = queue.QueueUrl ?? "";
      const logLines: string[] = [];
      const load = lambdaDepsFromEnv(
        {
          AFSYNC_CONFIG: lambdaConfigYaml(airflow.url, {
            target: "      retry: { max_attempts: 1 }\n",
            top: "state: { type: target }\nserve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }\n",
          }),
          AFSYNC_QUEUE_URL: queueUrl,
          AFSYNC_HMAC_KEY: C.hmac,
          AFSYNC_WEBHOOK_SECRET: C.webhook,
          AIRFLOW_USERNAME: "admin",
          AIRFLOW_PASSWORD: C.airflow,
          AWS_ENDPOINT_URL: aws.url,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: awsCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: awsCredentials.secretAccessKey,
          AWS_MAX_ATTEMPTS: "1",
        },
        { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }) },
      );
      const events = createEventsHandler(load);
      const worker = createWorkerHandler(load);
      const webhook = createWebhookHandler(load);
      const queueBodies: string[] = [];
      const drain = async (url: string, work: boolean) => {
        for (let round = 0; round < 10; round++) {
          const got = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
          );
          const messages = got.Messages ?? [];
          if (messages.length === 0) return;
          queueBodies.push(...messages.map((m) => m.Body ?? ""));
          if (!work) return;
          const result = await worker({
            Records: messages.map((m) => ({
              messageId: m.MessageId ?? "",
              receiptHandle: m.ReceiptHandle ?? "",
              body: m.Body ?? "",
              attributes: m.Attributes ?? {},
              eventSource: "aws:sqs",
            })),
          });
          record("worker result", JSON.stringify(result));
          const failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
          const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
          if (done.length > 0)
            await sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: url,
                Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
              }),
            );
          aws.advanceTime(361_000);
        }
      };

      // A change event, the webhook, and a message the worker cannot take (dead-lettered).
      const seen: EventBridgeEvent[] = [];
      const stop = aws.onEvent((e) => seen.push(e));
      await sm.send(new PutSecretValueCommand({ SecretId: "airflow/connections/sm_db", SecretString: uri(V.smLambda) }));
      stop();
      for (const event of seen) record("events result", JSON.stringify(await events(event)));
      const body = JSON.stringify({ source: "aws-sm", keys: ["conn:sm_bad", "var:sm_var"] });
      const hook = await webhook({
        headers: { "x-afsync-signature": signWebhookBody(C.webhook, body, Math.floor(Date.now() / 1000)) },
        body,
      });
      assert.equal(hook.statusCode, 202, hook.body);
      record("webhook result", JSON.stringify(hook));
      // A value pasted into a key list: refused (400) naming its position, never echoing it.
      const pasted = `{"source":"aws-sm","keys":["${V.sm}"]}`;
      const pastedAnswer = await webhook({
        headers: { "x-afsync-signature": signWebhookBody(C.webhook, pasted, Math.floor(Date.now() / 1000)) },
        body: pasted,
      });
      assert.equal(pastedAnswer.statusCode, 400);
      record("webhook 400", JSON.stringify(pastedAnswer));
      await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"v":9}', MessageGroupId: "prod", MessageDeduplicationId: "poison" }),
      );
      await drain(queueUrl, true);
      await drain(dlq.QueueUrl ?? "", false);
      assert.equal(airflow.state.connections.get("sm_db")?.password, V.smLambda, "the event's run wrote the value");
      assert.ok(queueBodies.length >= 3, "the event's, the webhook's and the poison message were read");
      assert.ok(queueBodies.includes('{"v":9}'), "the poison message reached the dead-letter queue and was read");
      assert.ok(
        logLines.some((l) => /"invalid":1/.test(l)),
        "the invalid value went through the worker whose log is checked",
      );
      record("lambda logs", logLines.join("\n"));
      // Queue messages carry keys and secret ids, never a value or a credential, not even the host of a URI.
      assertNoSecretLeak(queueBodies, [...VALUES, ...CREDENTIALS, "db.internal"]);

      // Thrown errors (a crash's trace) from the paths that throw on input: message and stack.
      const thrown: unknown[] = [];
      const parsed = parseWebhookBody(`{"source":"x","keys":["${V.sm}"]}`);
      if (!parsed.ok) thrown.push(new Error(parsed.error));
      try {
        JSON.parse(`{"password":"${V.sm}"`);
      } catch (error) {
        // node's own JSON.parse error quotes no input, which the handlers rely on when they rethrow it.
        thrown.push(error);
      }
      record("thrown", thrown.map((e) => (e instanceof Error ? `${e.message}\n${e.stack}` : String(e))).join("\n"));
      assertNoSecretLeak(texts, [...VALUES, ...CREDENTIALS]);
    } finally {
      sqs.destroy();
      sm.destroy();
    }
  });
});
