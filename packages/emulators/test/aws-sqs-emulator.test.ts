import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from "@aws-sdk/client-sqs";
import { type AwsEmulator, startAwsEmulator } from "../src/aws/startAwsEmulator.ts";

describe("AWS emulator: SQS (JSON 1.0 protocol)", () => {
  let emu: AwsEmulator;
  let sqs: SQSClient;
  before(async () => {
    emu = await startAwsEmulator();
    sqs = new SQSClient({
      endpoint: emu.url,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      maxAttempts: 1,
    });
  });
  after(async () => {
    sqs.destroy();
    await emu.close();
  });

  async function fifo(name: string, extra: Record<string, string> = {}): Promise<string> {
    const out = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: "true", VisibilityTimeout: "30", ...extra } }),
    );
    return out.QueueUrl ?? "";
  }

  it("resolves queue urls and reports a missing queue as QueueDoesNotExist", async () => {
    const url = await fifo("lookup.fifo");
    assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: "lookup.fifo" }))).QueueUrl, url);
    await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: "nope" })), QueueDoesNotExist);
  });

  it("keeps a message group in order and blocks it while one of its messages is in flight", async () => {
    const url = await fifo("order.fifo");
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "1", MessageBody: "a1", MessageGroupId: "a", MessageDeduplicationId: "a1" },
          { Id: "2", MessageBody: "b1", MessageGroupId: "b", MessageDeduplicationId: "b1" },
          { Id: "3", MessageBody: "a2", MessageGroupId: "a", MessageDeduplicationId: "a2" },
        ],
      }),
    );
    const first = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ["All"] }),
    );
    assert.deepEqual(
      first.Messages?.map((m) => m.Body),
      ["a1"],
    );
    assert.equal(first.Messages?.[0]?.Attributes?.MessageGroupId, "a");
    const second = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(
      second.Messages?.map((m) => m.Body),
      ["b1"],
      "group a is blocked while a1 is in flight",
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }));
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    assert.deepEqual(
      third.Messages?.map((m) => m.Body),
      ["a2"],
    );
  });

  it("drops a duplicate MessageDeduplicationId inside 5 minutes and accepts it after", async () => {
    const url = await fifo("dedup.fifo");
    const one = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "x", MessageGroupId: "g", MessageDeduplicationId: "same" }),
    );
    const dup = await sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "x", MessageGroupId: "g", MessageDeduplicationId: "same" }),
    );
    assert.equal(dup.MessageId, one.MessageId);
    assert.equal(emu.sqsDepth("dedup.fifo").visible, 1);
    emu.advanceTime(5 * 60_000 + 1);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x", MessageGroupId: "g", MessageDeduplicationId: "same" }));
    assert.equal(emu.sqsDepth("dedup.fifo").visible, 2);
    await assert.rejects(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "y", MessageGroupId: "g" })),
      /ContentBasedDeduplication/,
    );
  });

  it("redelivers after the visibility timeout and moves a message to the DLQ after maxReceiveCount", async () => {
    const dlqUrl = await fifo("work-dlq.fifo");
    const url = await fifo("work.fifo", {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:us-east-1:123456789012:work-dlq.fifo", maxReceiveCount: 2 }),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison", MessageGroupId: "g", MessageDeduplicationId: "p" }));
    for (const expected of ["1", "2"]) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ["ApproximateReceiveCount"] }));
      assert.equal(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount, expected);
      assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined, "invisible while in flight");
      emu.advanceTime(30_001);
    }
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }));
    assert.equal(dead.Messages?.[0]?.Body, "poison");
    const del = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: [{ Id: "d", ReceiptHandle: dead.Messages?.[0]?.ReceiptHandle }] }),
    );
    assert.deepEqual(
      del.Successful?.map((s) => s.Id),
      ["d"],
    );
    assert.deepEqual(emu.sqsDepth("work-dlq.fifo"), { visible: 0, inFlight: 0 });
  });

  it("reports queue depth and refuses batches of more than 10 entries", async () => {
    const url = await fifo("depth.fifo");
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "m", MessageGroupId: "g", MessageDeduplicationId: "m" }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "n", MessageGroupId: "h", MessageDeduplicationId: "n" }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessages, "1");
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible, "1");
    const entries = Array.from({ length: 11 }, (_, i) => ({
      Id: `e${i}`,
      MessageBody: "x",
      MessageGroupId: "g",
      MessageDeduplicationId: `d${i}`,
    }));
    await assert.rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries })), TooManyEntriesInBatchRequest);
  });

  it("long-polls until a message arrives", async () => {
    const url = await fifo("poll.fifo");
    const pending = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "late", MessageGroupId: "g", MessageDeduplicationId: "l" }));
    assert.equal((await pending).Messages?.[0]?.Body, "late");
  });
});
