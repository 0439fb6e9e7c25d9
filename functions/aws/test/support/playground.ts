/**
 * A local stand-in for the AWS side, to run the real function bundles with
 * `serverless invoke local` and watch a secret reach Airflow (docs/deploy/aws.md, "The whole
 * chain locally, on the emulators"). It starts the AWS emulator (Secrets Manager, SSM, SQS) on :4566 and an
 * Airflow 3 API emulator on :18080, creates the queues serverless.yml declares, seeds the
 * deploy-time secrets, writes `.afsync/playground/afsync.config.yaml`, and saves every EventBridge event
 * the emulator emits to `.afsync/playground/events/`. A small control API on :4567 stands in for the
 * AWS CLI and the Lambda SQS poller:
 *
 *   POST /secrets   {"name": "...", "value": "..."}   create or put a Secrets Manager value
 *   POST /receive-hints                                take up to 1,000 hint-queue messages (one
 *                                                      batching window), delete them, and write them
 *                                                      as a Lambda SQS event to
 *                                                      .afsync/playground/hints-event.json
 *   POST /receive                                      take up to 10 FIFO queue messages, delete them,
 *                                                      and write them as a Lambda SQS event to
 *                                                      .afsync/playground/sqs-event.json
 *   GET  /airflow                                      the emulated Airflow's connections and
 *                                                      variables (passwords masked)
 *
 *   cd functions/aws && node --import tsx test/support/playground.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { serviceDir } from "../../../../test/support/packageServerless.ts";
import { lambdaConfigYaml } from "./lambdaConfigYaml.ts";

// .afsync/ is git-ignored.
const dir = join(serviceDir, ".afsync", "playground");
mkdirSync(join(dir, "events"), { recursive: true });

const aws = await startAwsEmulator({ port: 4566, region: "us-east-1", accountId: "000000000000" });
const airflow = await startAirflowEmulator({ apiVersion: 2, port: 18080, users: { admin: "admin" } });
const client = {
  endpoint: aws.url,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
  maxAttempts: 1,
};
const sm = new SecretsManagerClient(client);
const sqs = new SQSClient(client);

const dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "afsync-dev-sync-dlq.fifo", Attributes: { FifoQueue: "true" } })))
  .QueueUrl;
const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes?.QueueArn;
const queueUrl =
  (
    await sqs.send(
      new CreateQueueCommand({
        QueueName: "afsync-dev-sync.fifo",
        Attributes: {
          FifoQueue: "true",
          ContentBasedDeduplication: "false",
          VisibilityTimeout: "360",
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        },
      }),
    )
  ).QueueUrl ?? "";

// The standard hint queue events and the webhook send to; the coalesce function drains it.
const hintQueueUrl =
  (await sqs.send(new CreateQueueCommand({ QueueName: "afsync-dev-hints", Attributes: { VisibilityTimeout: "190" } }))).QueueUrl ?? "";

aws.seedSecret({ name: "afsync/hmac-key", secretString: "playground-hmac-key-0123456789abcdef" });
aws.seedSecret({ name: "afsync/airflow-username", secretString: "admin" });
aws.seedSecret({ name: "afsync/airflow-password", secretString: "admin" });
aws.seedSecret({ name: "afsync/webhook-secret", secretString: "playground-webhook-secret" });

writeFileSync(
  join(dir, "afsync.config.yaml"),
  `# Written by functions/aws/test/support/playground.ts: the example config, pointed at the emulators.${lambdaConfigYaml(airflow.url, {
    prod: "    deletion: delete\n",
    top: "state: { type: target }\nserve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }\n",
  })}`,
);

let seq = 0;
aws.onEvent((event) => {
  seq += 1;
  const detail = event.detail as { eventName?: unknown };
  const name = typeof detail.eventName === "string" ? detail.eventName : event["detail-type"].replace(/\W+/g, "-");
  const file = join(dir, "events", `${String(seq).padStart(3, "0")}-${name}.json`);
  writeFileSync(file, `${JSON.stringify(event, null, 2)}\n`);
  process.stdout.write(`event → ${file}\n`);
});

async function readBody(req: import("node:http").IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const control = createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(`${JSON.stringify(body, null, 2)}\n`);
  };
  void (async () => {
    if (req.method === "POST" && req.url === "/secrets") {
      const { name, value } = JSON.parse(await readBody(req)) as { name: string; value: string };
      try {
        await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
        await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
      }
      return reply(200, { ok: true, name });
    }
    if (req.method === "POST" && (req.url === "/receive" || req.url === "/receive-hints")) {
      const hints = req.url === "/receive-hints";
      const url = hints ? hintQueueUrl : queueUrl;
      const messages = [];
      // Lambda's poller: the FIFO queue's batches hold 10 at most; the hint queue's, one window's worth.
      for (let more = true; more && messages.length < (hints ? 1000 : 10); ) {
        const got = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
        );
        const batch = got.Messages ?? [];
        more = hints && batch.length > 0;
        if (batch.length === 0) break;
        const entries = batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" }));
        await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries }));
        messages.push(...batch);
      }
      const event = {
        Records: messages.map((m) => ({ messageId: m.MessageId, body: m.Body, attributes: m.Attributes ?? {}, eventSource: "aws:sqs" })),
      };
      const file = join(dir, hints ? "hints-event.json" : "sqs-event.json");
      writeFileSync(file, `${JSON.stringify(event, null, 2)}\n`);
      return reply(200, { received: messages.length, file });
    }
    if (req.method === "GET" && req.url === "/airflow") {
      const connections = [...airflow.state.connections.values()].map((c) => ({ ...c, password: c.password === null ? null : "***" }));
      return reply(200, { connections, variables: [...airflow.state.variables.keys()] });
    }
    reply(404, { error: "POST /secrets, POST /receive-hints, POST /receive or GET /airflow" });
  })().catch((error: unknown) => reply(500, { error: error instanceof Error ? error.message : String(error) }));
});
control.listen(4567, "127.0.0.1");

process.stdout.write(
  [
    `AWS emulator      ${aws.url}   (queues ${hintQueueUrl}, ${queueUrl})`,
    `Airflow emulator  ${airflow.url}   (admin/admin)`,
    "control API       http://127.0.0.1:4567   (POST /secrets, POST /receive-hints, POST /receive, GET /airflow)",
    `config            ${join(dir, "afsync.config.yaml")}`,
    "Ctrl+C to stop.",
    "",
  ].join("\n"),
);

process.on("SIGINT", () => {
  control.close();
  void Promise.all([aws.close(), airflow.close()]).then(() => process.exit(0));
});
