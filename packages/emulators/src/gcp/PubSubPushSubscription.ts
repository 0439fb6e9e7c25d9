/** A message as the emulator stores it after Publish. */
export interface PublishedMessage {
  readonly topic: string;
  readonly messageId: string;
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
  readonly orderingKey: string;
  readonly publishTime: string;
}

export interface PushSubscriptionOptions {
  /** The topic's short name (`afsync-sync`) or full name (`projects/<p>/topics/afsync-sync`). */
  readonly topic: string;
  /** A loopback URL: the push endpoint under test. */
  readonly url: string;
  /** The subscription's short name; defaults to `<topic>-push`. */
  readonly name?: string;
  /** `enable_message_ordering`: one outstanding message per ordering key (default true). */
  readonly ordered?: boolean;
  /** The Authorization header an authenticated push adds (`Bearer <OIDC token>`). */
  readonly authorization?: () => string | undefined;
  /** The dead-letter policy's max_delivery_attempts (Pub/Sub's minimum is 5, the default here). */
  readonly maxDeliveryAttempts?: number;
  /** Wait before a redelivery (Pub/Sub backs off from 10 s; tests need less). */
  readonly retryDelayMs?: number;
  /**
   * The retry policy's maximum_backoff: each redelivery of a message waits twice as long as the
   * one before, from `retryDelayMs` up to this. Absent: every redelivery waits `retryDelayMs`.
   */
  readonly maxRetryDelayMs?: number;
  /**
   * Hold every delivery until `resume()`: plays "the burst has all been published before the
   * first delivery", deterministically, where the real service's timing would decide.
   */
  readonly startPaused?: boolean;
}

export interface PushAttempt {
  readonly messageId: string;
  readonly orderingKey: string;
  readonly attempt: number;
  /** 0 when the endpoint could not be reached. */
  readonly status: number;
  readonly acked: boolean;
}

// Pub/Sub treats these push responses as an acknowledgement; anything else is a nack.
const ACK_STATUSES = new Set([102, 200, 201, 202, 204]);

/**
 * A push subscription's delivery loop as Pub/Sub runs it: one POST per message; with message
 * ordering, a key's next message waits until the one before it is acknowledged (or dead-lettered),
 * while other keys and unkeyed messages go out at once; a nack or an unreachable endpoint is
 * redelivered after a delay, up to the dead-letter policy's attempts.
 */
export class PubSubPushSubscription {
  readonly name: string;
  readonly attempts: PushAttempt[] = [];
  readonly deadLettered: PublishedMessage[] = [];
  readonly #options: PushSubscriptionOptions;
  readonly #queues = new Map<string, PublishedMessage[]>();
  readonly #running = new Set<Promise<void>>();
  /** Messages accepted while paused, in publish order. */
  #held: PublishedMessage[] | undefined;
  #stopped = false;

  constructor(projectId: string, options: PushSubscriptionOptions) {
    this.#options = options;
    this.#held = options.startPaused === true ? [] : undefined;
    this.name = `projects/${projectId}/subscriptions/${options.name ?? `${shortName(options.topic)}-push`}`;
  }

  /** Called by the emulator for every message published to the subscription's topic. */
  accept(message: PublishedMessage): void {
    if (this.#stopped) return;
    if (this.#held !== undefined) {
      this.#held.push(message);
      return;
    }
    const ordered = this.#options.ordered ?? true;
    if (!ordered || message.orderingKey === "") {
      this.#track(this.#deliverUntilDone(message));
      return;
    }
    const queue = this.#queues.get(message.orderingKey);
    if (queue !== undefined) {
      queue.push(message);
      return;
    }
    this.#queues.set(message.orderingKey, [message]);
    this.#track(this.#drainKey(message.orderingKey));
  }

  /** Starts delivering what was accepted while paused (in publish order), and what comes next. */
  resume(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const message of held) this.accept(message);
  }

  /** Resolves once every accepted message is acknowledged or dead-lettered (held ones wait for `resume`). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** Stops taking new messages; deliveries under way finish. */
  stop(): void {
    this.#stopped = true;
  }

  #track(work: Promise<void>): void {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
  }

  async #drainKey(key: string): Promise<void> {
    const queue = this.#queues.get(key) ?? [];
    while (queue.length > 0) {
      const head = queue[0];
      if (head !== undefined) await this.#deliverUntilDone(head);
      queue.shift();
    }
    this.#queues.delete(key);
  }

  async #deliverUntilDone(message: PublishedMessage): Promise<void> {
    const max = this.#options.maxDeliveryAttempts ?? 5;
    for (let attempt = 1; attempt <= max; attempt++) {
      const status = await this.#post(message, attempt);
      const acked = ACK_STATUSES.has(status);
      this.attempts.push({ messageId: message.messageId, orderingKey: message.orderingKey, attempt, status, acked });
      if (acked) return;
      if (attempt < max) await new Promise((resolve) => setTimeout(resolve, pushRetryDelayMs(this.#options, attempt)));
    }
    this.deadLettered.push(message);
  }

  async #post(message: PublishedMessage, attempt: number): Promise<number> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const authorization = this.#options.authorization?.();
    if (authorization !== undefined) headers.authorization = authorization;
    const data = message.data.toString("base64");
    // Push bodies carry both spellings of the message's fields, as Pub/Sub sends them.
    const body = {
      message: {
        ...(data === "" ? {} : { data }),
        attributes: message.attributes,
        messageId: message.messageId,
        message_id: message.messageId,
        publishTime: message.publishTime,
        publish_time: message.publishTime,
        ...(message.orderingKey === "" ? {} : { orderingKey: message.orderingKey }),
      },
      subscription: this.name,
      deliveryAttempt: attempt,
    };
    try {
      const response = await fetch(this.#options.url, { method: "POST", headers, body: JSON.stringify(body) });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  }
}

/** The wait after a message's `attempt`-th failed delivery: fixed, or doubling up to the maximum backoff. */
export function pushRetryDelayMs(options: Pick<PushSubscriptionOptions, "retryDelayMs" | "maxRetryDelayMs">, attempt: number): number {
  const first = options.retryDelayMs ?? 20;
  const max = options.maxRetryDelayMs;
  return max === undefined ? first : Math.min(max, first * 2 ** (attempt - 1));
}

export function shortName(topic: string): string {
  return topic.slice(topic.lastIndexOf("/") + 1);
}
