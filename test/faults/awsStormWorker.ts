/**
 * The AWS worker as its own process, so the storm can SIGKILL it in the middle of an apply: it
 * plays the Lambda SQS poller (receive a batch from the FIFO queue, hand it to the REAL worker
 * handler, delete what the handler did not report as failed) until it is killed or stdin closes.
 *
 * It tells the parent, one JSON line on stdout each, when it hands a batch to the handler
 * (`applying`) and when the handler returned (`done`), so a kill can be aimed between the two.
 * The handler's own log lines go to stderr (the parent checks them for leaks).
 */

import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createWorkerHandler } from "../../functions/aws/src/handlers/worker.ts";
import { lambdaDepsFromEnv } from "../../functions/aws/src/runtime/lambdaDepsFromEnv.ts";

const queueUrl = process.env.AFSYNC_QUEUE_URL ?? "";
const sqs = new SQSClient({
  endpoint: process.env.AWS_ENDPOINT_URL ?? "",
  region: process.env.AWS_REGION ?? "us-east-1",
  credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "", secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "" },
  maxAttempts: 1,
});
const worker = createWorkerHandler(
  lambdaDepsFromEnv(process.env, { logger: createJsonLineLogger({ write: (line) => process.stderr.write(`${line}\n`) }) }),
);
const tell = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

let stopping = false;
process.stdin.on("end", () => {
  stopping = true;
});
process.stdin.resume();

let batch = 0;
tell({ ready: true });
while (!stopping) {
  let messages: Message[] = [];
  try {
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["All"] }),
    );
    messages = got.Messages ?? [];
  } catch (error) {
    // An injected SQS fault: the Lambda poller would simply poll again.
    tell({ receiveFailed: (error as Error).name });
  }
  if (!messages || messages.length === 0) {
    await new Promise((r) => setTimeout(r, 25));
    continue;
  }
  batch += 1;
  const receives = messages.map((m) => Number(m.Attributes?.ApproximateReceiveCount ?? "1"));
  tell({
    applying: batch,
    messages: messages.length,
    deployments: [...new Set(messages.map((m) => deploymentOf(m.Body ?? "")))],
    redelivered: receives.filter((n) => n > 1).length,
  });
  const response = await worker({
    Records: messages.map((m) => ({
      messageId: m.MessageId ?? "",
      receiptHandle: m.ReceiptHandle ?? "",
      body: m.Body ?? "",
      attributes: m.Attributes ?? {},
      eventSource: "aws:sqs",
    })),
  });
  const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
  let deleted = true;
  if (done.length > 0) {
    try {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
        }),
      );
    } catch {
      // Not deleted: SQS offers the messages again after the visibility timeout (at-least-once).
      deleted = false;
    }
  }
  tell({ done: batch, failures: failed.size, deleted, rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) });
}
sqs.destroy();

/** The Deployment a sync message names ("" for a body that is not one: the handler reports it). */
function deploymentOf(body: string): string {
  try {
    return String((JSON.parse(body) as { deployment?: unknown }).deployment ?? "");
  } catch {
    return "";
  }
}
