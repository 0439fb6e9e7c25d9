import { RemoteCallError } from "@afsync/core";
import { encodeSyncMessage, type SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { PubSub, Topic } from "@google-cloud/pubsub";

/** Attribute names on each sync message, so the console and a dead-letter topic show what a message is for. */
export const DEPLOYMENT_ATTRIBUTE = "afsync-deployment";
export const ORIGIN_ATTRIBUTE = "afsync-origin";

/**
 * The worker topic over the official Pub/Sub client, ordering key = Deployment (ADR 005): the
 * ordered push subscription then hands the worker one message per Deployment at a time, as an
 * SQS FIFO group does on AWS. Pub/Sub has no publish-side dedup; a duplicate costs one no-op run.
 */
export class PubSubSyncQueue implements SyncQueue {
  readonly #topic: Topic;

  constructor(pubsub: PubSub, topicName: string) {
    // messageOrdering makes the client publish one key's messages in order, one batch at a time.
    this.#topic = pubsub.topic(topicName, { messageOrdering: true });
  }

  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    const outcomes = await Promise.allSettled(
      messages.map((message) =>
        this.#topic.publishMessage({
          data: Buffer.from(encodeSyncMessage(message)),
          orderingKey: message.deployment,
          attributes: { [DEPLOYMENT_ATTRIBUTE]: message.deployment, [ORIGIN_ATTRIBUTE]: message.origin },
        }),
      ),
    );
    const failed: string[] = [];
    let cause: unknown;
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === "fulfilled") continue;
      const deployment = messages[index]?.deployment ?? "?";
      // After a failed publish the client pauses the key until told to resume; the caller's
      // retry (Pub/Sub or Eventarc redelivering the trigger) must be able to publish again.
      this.#topic.resumePublishing(deployment);
      failed.push(`${deployment}: ${describe(outcome.reason)}`);
      cause ??= outcome.reason;
    }
    if (failed.length > 0)
      throw new RemoteCallError(
        `Pub/Sub publish to ${this.#topic.name} failed for ${failed.length} of ${messages.length} messages: ${failed.join("; ")}`,
        {
          cause,
          errorClass: "transient",
        },
      );
  }

  /** Sends what the client still batches, so a function instance can be frozen safely. */
  async flush(): Promise<void> {
    await this.#topic.flush();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0] ?? ""}` : String(error);
}
