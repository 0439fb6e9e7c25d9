import { RemoteCallError } from "@afsync/core";
import type { v1 } from "@google-cloud/pubsub";

/** One work message as a pull hands it out: the ackId acknowledges this delivery of it. */
export interface PulledWorkMessage {
  readonly messageId: string;
  readonly ackId: string;
  /** The sync message (JSON), decoded from the message's data. */
  readonly body: string;
}

/** The worker's side of the per-Deployment work subscriptions (ADR 008, GCP). */
export interface DeploymentWorkSubscriptions {
  /** Up to `max` of the Deployment's waiting messages, leased for the subscription's ack deadline. */
  pull(deployment: string, max: number): Promise<PulledWorkMessage[]>;
  /** Done with: Pub/Sub will not deliver them again. */
  acknowledge(deployment: string, ackIds: readonly string[]): Promise<void>;
  /** Not done: their lease ends now, so the next pull takes them again. */
  handBack(deployment: string, ackIds: readonly string[]): Promise<void>;
}

// Acknowledge and ModifyAckDeadline take at most 512 KB a request; 1,000 ackIds stay far under it.
const ACK_IDS_PER_CALL = 1000;

/**
 * The work subscriptions over the generated Subscriber client: one pull subscription per
 * Deployment, `<prefix><deployment id>`, whose filter (`attributes.afsync-deployment = "<id>"`,
 * Terraform) lets through that Deployment's work messages only.
 */
export class PubSubWorkSubscriptions implements DeploymentWorkSubscriptions {
  readonly #client: v1.SubscriberClient;
  readonly #prefix: string;

  /** `prefix`: `projects/<project>/subscriptions/<name>-work-`; the Deployment id completes it. */
  constructor(client: v1.SubscriberClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  subscriptionOf(deployment: string): string {
    return `${this.#prefix}${deployment}`;
  }

  async pull(deployment: string, max: number): Promise<PulledWorkMessage[]> {
    const subscription = this.subscriptionOf(deployment);
    // returnImmediately: the worker asks "what is waiting now?" once per doorbell; without it an
    // empty subscription holds the call open until the server's bound, and most doorbells of a
    // burst find their work already folded into an earlier run.
    const [response] = await this.#call(subscription, "Pull", () =>
      this.#client.pull({ subscription, maxMessages: max, returnImmediately: true }),
    );
    return (response.receivedMessages ?? []).map((received) => ({
      messageId: received.message?.messageId ?? "",
      ackId: received.ackId ?? "",
      body: Buffer.from(received.message?.data ?? new Uint8Array()).toString("utf8"),
    }));
  }

  async acknowledge(deployment: string, ackIds: readonly string[]): Promise<void> {
    const subscription = this.subscriptionOf(deployment);
    for (let i = 0; i < ackIds.length; i += ACK_IDS_PER_CALL)
      await this.#call(subscription, "Acknowledge", () =>
        this.#client.acknowledge({ subscription, ackIds: ackIds.slice(i, i + ACK_IDS_PER_CALL) }),
      );
  }

  async handBack(deployment: string, ackIds: readonly string[]): Promise<void> {
    const subscription = this.subscriptionOf(deployment);
    for (let i = 0; i < ackIds.length; i += ACK_IDS_PER_CALL)
      await this.#call(subscription, "ModifyAckDeadline", () =>
        this.#client.modifyAckDeadline({ subscription, ackIds: ackIds.slice(i, i + ACK_IDS_PER_CALL), ackDeadlineSeconds: 0 }),
      );
  }

  async #call<T>(subscription: string, method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      throw new RemoteCallError(`Pub/Sub ${method} on ${subscription} failed: ${reason}`, { cause: error, errorClass: "transient" });
    }
  }
}
