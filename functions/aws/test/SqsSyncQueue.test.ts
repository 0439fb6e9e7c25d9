import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { decodeSyncMessage } from "@afsync/runtime/edge/decodeSyncMessage";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SqsSyncQueue } from "../src/queue/SqsSyncQueue.ts";

// The real SQS client against the emulated FIFO queue.
let aws: AwsEmulator;
let sqs: SQSClient;
let queueUrl = "";

before(async () => {
  aws = await startAwsEmulator();
  sqs = new SQSClient({
    endpoint: aws.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
    maxAttempts: 1,
  });
  queueUrl =
    (await sqs.send(new CreateQueueCommand({ QueueName: "q.fifo", Attributes: { FifoQueue: "true", ContentBasedDeduplication: "false" } })))
      .QueueUrl ?? "";
});
after(async () => {
  sqs.destroy();
  await aws.close();
});

const message = (deployment: string, origin: string, keys = 1): SyncMessage => ({
  v: 1,
  deployment,
  origin,
  trigger: {
    kind: "hints",
    hints: Array.from({ length: keys }, (_, i) => ({
      provider: "aws-secrets-manager",
      secretId: `airflow/connections/conn_${i}_${"x".repeat(40)}`,
      action: "upsert" as const,
    })),
  },
});

describe("SqsSyncQueue", () => {
  it("sends more than one batch's worth, splitting by count and by size, and SQS drops a resent origin", async () => {
    const queue = new SqsSyncQueue(sqs, queueUrl);
    // 12 small messages and 3 of ~80 KB each: more than 10 entries and more than 200 KB in total.
    const messages = [
      ...Array.from({ length: 12 }, (_, i) => message(`d${i}`, "event:1")),
      ...Array.from({ length: 3 }, (_, i) => message(`big${i}`, "event:1", 1000)),
    ];
    await queue.enqueue(messages);
    await queue.enqueue(messages.slice(0, 3)); // the same event routed again: same dedup ids
    assert.ok(aws.calls("SendMessageBatch") >= 3);
    assert.equal(aws.sqsDepth("q.fifo").visible, 15);

    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
    );
    const first = got.Messages?.[0];
    assert.equal(first?.Attributes?.MessageGroupId, "d0");
    assert.deepEqual(decodeSyncMessage(first?.Body ?? ""), { ok: true, message: messages[0] });
  });
});
