import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import { GrpcStatusError } from "./GrpcStatusError.ts";
import type { PublishedMessage } from "./PubSubPushSubscription.ts";
import { parseAttributeFilter } from "./pubSubAttributeFilter.ts";

export interface PullSubscriptionOptions {
  /** The topic's short or full name. */
  readonly topic: string;
  /** The subscription's short name. */
  readonly name: string;
  /**
   * The subscription's filter, in Pub/Sub's filter language (the subset `attributes.KEY = "value"`,
   * `attributes:KEY`, joined by AND). Messages that do not match are acknowledged by the service
   * and never delivered, as Pub/Sub does.
   */
  readonly filter?: string;
  /** `ack_deadline_seconds` (10–600; Pub/Sub's default is 10). */
  readonly ackDeadlineSeconds?: number;
}

/** A message as Pull hands it out: the ackId names this delivery, not the message. */
export interface PulledDelivery {
  readonly ackId: string;
  readonly message: PublishedMessage;
  readonly deliveryAttempt: number;
}

interface Held {
  readonly message: PublishedMessage;
  /** The ackId of the latest delivery; an older delivery's ackId no longer acknowledges. */
  ackId: string | undefined;
  /** Epoch ms until which the latest delivery is leased (hidden from Pull); 0 when never pulled. */
  leasedUntil: number;
  deliveries: number;
}

/**
 * A pull subscription as the Subscriber service keeps it: messages published after its creation
 * that match its filter wait until a Pull leases them for the ack deadline; Acknowledge with the
 * delivery's ackId removes them; ModifyAckDeadline moves the lease (0 hands the message back at
 * once); a lease that runs out makes the message pullable again (a redelivery, new ackId).
 */
export class PubSubPullSubscription {
  readonly name: string;
  readonly topic: string;
  readonly ackDeadlineSeconds: number;
  /** Messages acknowledged so far (by Acknowledge; filtered-out ones are not counted). */
  acknowledged = 0;
  readonly #matches: (attributes: Readonly<Record<string, string>>) => boolean;
  readonly #held: Held[] = [];
  readonly #now: () => number;

  constructor(projectId: string, topic: string, options: PullSubscriptionOptions, now: () => number = Date.now) {
    this.name = `projects/${projectId}/subscriptions/${options.name}`;
    this.topic = topic;
    this.ackDeadlineSeconds = options.ackDeadlineSeconds ?? 10;
    if (this.ackDeadlineSeconds < 10 || this.ackDeadlineSeconds > 600)
      throw new RangeError(`ackDeadlineSeconds must be 10–600 (Pub/Sub's range), got ${this.ackDeadlineSeconds}`);
    this.#matches = parseAttributeFilter(options.filter ?? "");
    this.#now = now;
  }

  /** Called by the emulator for every message published to the subscription's topic. */
  accept(message: PublishedMessage): void {
    if (this.#matches(message.attributes)) this.#held.push({ message, ackId: undefined, leasedUntil: 0, deliveries: 0 });
  }

  /** Messages not yet acknowledged, leased or not. */
  get backlog(): number {
    return this.#held.length;
  }

  /** Pull: up to `max` messages not under lease, oldest first, each leased for the ack deadline. */
  pull(max: number): PulledDelivery[] {
    if (!Number.isInteger(max) || max <= 0) throw new GrpcStatusError(status.INVALID_ARGUMENT, "max_messages must be a positive integer.");
    const now = this.#now();
    const out: PulledDelivery[] = [];
    for (const held of this.#held) {
      if (out.length >= max) break;
      if (held.leasedUntil > now) continue;
      held.deliveries += 1;
      held.ackId = `${held.message.messageId}-${held.deliveries}-${randomUUID()}`;
      held.leasedUntil = now + this.ackDeadlineSeconds * 1000;
      out.push({ ackId: held.ackId, message: held.message, deliveryAttempt: held.deliveries });
    }
    return out;
  }

  /** Acknowledge: an ackId of an expired or superseded delivery is ignored, as Pub/Sub does. */
  acknowledge(ackIds: readonly string[]): void {
    const done = new Set(ackIds);
    for (let i = this.#held.length - 1; i >= 0; i--) {
      const held = this.#held[i];
      if (held?.ackId !== undefined && done.has(held.ackId) && held.leasedUntil > this.#now()) {
        this.#held.splice(i, 1);
        this.acknowledged += 1;
      }
    }
  }

  /** ModifyAckDeadline: the lease of each named delivery now ends `seconds` from now (0: at once). */
  modifyAckDeadline(ackIds: readonly string[], seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 600)
      throw new GrpcStatusError(status.INVALID_ARGUMENT, "ack_deadline_seconds must be between 0 and 600.");
    const named = new Set(ackIds);
    const now = this.#now();
    for (const held of this.#held)
      if (held.ackId !== undefined && named.has(held.ackId) && held.leasedUntil > now) held.leasedUntil = now + seconds * 1000;
  }
}
