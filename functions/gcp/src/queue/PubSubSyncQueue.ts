import { RemoteCallError } from "@afsync/core";
import type { SharingGroup } from "@afsync/core/config/sharingGroups";
import { encodeSyncMessage, type SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { PubSub, Topic } from "@google-cloud/pubsub";

/**
 * Attribute names on each message, so the console and a dead-letter topic show what a message is
 * for; the work subscriptions filter on the Deployment's (`attributes.afsync-deployment = "<id>"`).
 */
export const DEPLOYMENT_ATTRIBUTE = "afsync-deployment";
export const ORIGIN_ATTRIBUTE = "afsync-origin";
/** Marks a doorbell: "pull the Deployment's work subscription", no data (ADR 008). */
export const DOORBELL_ATTRIBUTE = "afsync-doorbell";
/** On a doorbell: the sharing group whose id is its ordering key (ADR 012); absent on doorbells keyed by Deployment. */
export const GROUP_ATTRIBUTE = "afsync-group";
/**
 * On a group doorbell (ADR 012, one per group per producer call): the Deployments it rang for,
 * comma-separated (an id has no comma). Its presence is what tells the worker to fold the whole
 * group; a doorbell without it is one Deployment's, as published before group doorbells.
 */
export const DEPLOYMENTS_ATTRIBUTE = "afsync-deployments";
/** Pub/Sub's limit on an attribute value, in bytes: a longer list is split over several doorbells of the group. */
const ATTRIBUTE_VALUE_MAX_BYTES = 1024;

interface Outgoing {
  readonly deployment: string;
  /** The ordering key it is published under, if any: the client pauses that key after a failed publish. */
  readonly orderingKey?: string;
  readonly publish: () => Promise<string>;
}

/**
 * The sync topic over the official Pub/Sub client, ordering key = Deployment (ADR 005): the
 * ordered push subscription then hands the worker one message per Deployment at a time, as an
 * SQS FIFO group does on AWS. Pub/Sub has no publish-side dedup; a duplicate costs one no-op run.
 *
 * With a work topic (ADR 008, AFSYNC_WORK_TOPIC), each sync message goes to the work topic
 * instead, where the Deployment's pull subscription keeps it, and then one payload-free doorbell
 * per Deployment goes to the sync topic: the worker it is pushed to pulls and folds everything
 * waiting. The doorbells are published only after their work messages were accepted, so a
 * doorbell never rings before its work can be pulled. One doorbell per sharing group the call
 * enqueued work for (ADR 012), keyed by the group's id, so no two doorbells of Deployments that
 * share a source are handled at once and the worker folds the whole group into one run; a burst
 * of calls then queues one doorbell per call on the group's key, not one per Deployment. `groups`
 * absent (or a Deployment it does not name): the Deployment is a group of its own.
 */
export class PubSubSyncQueue implements SyncQueue {
  readonly #topic: Topic;
  readonly #workTopic: Topic | undefined;
  readonly #groups: ReadonlyMap<string, SharingGroup>;

  constructor(pubsub: PubSub, topicName: string, workTopicName?: string, groups: ReadonlyMap<string, SharingGroup> = new Map()) {
    // messageOrdering makes the client publish one key's messages in order, one batch at a time.
    this.#topic = pubsub.topic(topicName, { messageOrdering: true });
    this.#workTopic = workTopicName === undefined ? undefined : pubsub.topic(workTopicName);
    this.#groups = groups;
  }

  async enqueue(messages: readonly SyncMessage[]): Promise<void> {
    const workTopic = this.#workTopic;
    if (workTopic === undefined) {
      await this.#publishAll(
        this.#topic,
        messages.map((message) => ({
          deployment: message.deployment,
          // Without a work topic each message is one run of its Deployment alone: keyed by the Deployment (ADR 005).
          orderingKey: message.deployment,
          publish: () =>
            this.#topic.publishMessage({
              data: Buffer.from(encodeSyncMessage(message)),
              orderingKey: message.deployment,
              attributes: attributesOf(message),
            }),
        })),
        messages.length,
      );
      return;
    }
    // No ordering key on the work topic: the pull folds its messages whatever their order.
    await this.#publishAll(
      workTopic,
      messages.map((message) => ({
        deployment: message.deployment,
        publish: () => workTopic.publishMessage({ data: Buffer.from(encodeSyncMessage(message)), attributes: attributesOf(message) }),
      })),
      messages.length,
    );
    const rung = new Map<string, string[]>();
    for (const deployment of new Set(messages.map((m) => m.deployment))) {
      const group = this.#groups.get(deployment)?.id ?? deployment;
      rung.set(group, [...(rung.get(group) ?? []), deployment]);
    }
    const doorbells = [...rung].flatMap(([group, deployments]) => attributeSizedLists(deployments).map((named) => ({ group, named })));
    await this.#publishAll(
      this.#topic,
      doorbells.map(({ group, named }) => ({
        deployment: named.join(","),
        orderingKey: group,
        publish: () =>
          this.#topic.publishMessage({
            orderingKey: group,
            attributes: {
              // The first Deployment named, for a worker deployed before group doorbells: it reads this
              // attribute only, and folds the group when that Deployment's own work is waiting.
              [DEPLOYMENT_ATTRIBUTE]: named[0] ?? group,
              [DEPLOYMENTS_ATTRIBUTE]: named.join(","),
              [GROUP_ATTRIBUTE]: group,
              [DOORBELL_ATTRIBUTE]: "1",
            },
          }),
      })),
      doorbells.length,
    );
  }

  async #publishAll(topic: Topic, outgoing: readonly Outgoing[], total: number): Promise<void> {
    const outcomes = await Promise.allSettled(outgoing.map((o) => o.publish()));
    const failed: string[] = [];
    let cause: unknown;
    for (const [index, outcome] of outcomes.entries()) {
      if (outcome.status === "fulfilled") continue;
      const deployment = outgoing[index]?.deployment ?? "?";
      const key = outgoing[index]?.orderingKey;
      // After a failed publish the client pauses the key until told to resume; the caller's
      // retry (Pub/Sub or Eventarc redelivering the trigger) must be able to publish again.
      if (key !== undefined) topic.resumePublishing(key);
      failed.push(`${deployment}: ${describe(outcome.reason)}`);
      cause ??= outcome.reason;
    }
    if (failed.length > 0)
      throw new RemoteCallError(`Pub/Sub publish to ${topic.name} failed for ${failed.length} of ${total} messages: ${failed.join("; ")}`, {
        cause,
        errorClass: "transient",
      });
  }

  /** Sends what the client still batches, so a function instance can be frozen safely. */
  async flush(): Promise<void> {
    await Promise.all([this.#topic.flush(), this.#workTopic?.flush()]);
  }
}

/** The Deployments split into comma-joined lists that each fit one attribute value (one list for any usual group). */
function attributeSizedLists(deployments: readonly string[]): string[][] {
  const lists: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const deployment of deployments) {
    const size = Buffer.byteLength(deployment) + (current.length === 0 ? 0 : 1);
    if (current.length > 0 && bytes + size > ATTRIBUTE_VALUE_MAX_BYTES) {
      lists.push(current);
      current = [];
      bytes = 0;
    }
    bytes += current.length === 0 ? Buffer.byteLength(deployment) : size;
    current.push(deployment);
  }
  if (current.length > 0) lists.push(current);
  return lists;
}

function attributesOf(message: SyncMessage): Record<string, string> {
  return { [DEPLOYMENT_ATTRIBUTE]: message.deployment, [ORIGIN_ATTRIBUTE]: message.origin };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message.split("\n")[0] ?? ""}` : String(error);
}
