import {
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { type Fault, FaultInjector } from "../faults/FaultInjector.ts";
import { GrpcStatusError } from "./GrpcStatusError.ts";
import { grpcStatusForHttp } from "./grpcStatusForHttp.ts";
import { loadPubSubPublisherService, loadPubSubSubscriberService } from "./loadPubSubPublisherService.ts";
import { PubSubPullSubscription, type PullSubscriptionOptions } from "./PubSubPullSubscription.ts";
import { type PublishedMessage, PubSubPushSubscription, type PushSubscriptionOptions, shortName } from "./PubSubPushSubscription.ts";

export type { PulledDelivery, PullSubscriptionOptions } from "./PubSubPullSubscription.ts";
export { PubSubPullSubscription } from "./PubSubPullSubscription.ts";
export type { PublishedMessage, PushAttempt, PushSubscriptionOptions } from "./PubSubPushSubscription.ts";
export { PubSubPushSubscription } from "./PubSubPushSubscription.ts";

export interface PubSubEmulator {
  /** `127.0.0.1:<port>`: the client's `apiEndpoint` (a non-googleapis host puts it in emulator mode, plaintext). */
  readonly endpoint: string;
  readonly projectId: string;
  /** Creates a topic directly (as Terraform would); Publish to a missing topic is NOT_FOUND. */
  createTopic(name: string): string;
  /** Every message published so far, in publish order. */
  readonly published: readonly PublishedMessage[];
  /** Calls per RPC method (`Publish`, `CreateTopic`, `GetTopic`, `Pull`, `Acknowledge`, `ModifyAckDeadline`). */
  calls(method: string): number;
  /** Fails or slows the next calls; `status` uses Google's HTTP ↔ gRPC mapping (503 UNAVAILABLE…). */
  inject(fault: Fault): void;
  /** A push subscription on a topic, delivering from now on. */
  pushTo(options: PushSubscriptionOptions): PubSubPushSubscription;
  /**
   * A pull subscription on a topic (as Terraform creates it), served by the Subscriber service's
   * Pull, Acknowledge and ModifyAckDeadline; it holds the messages published from now on.
   */
  pullSubscription(options: PullSubscriptionOptions): PubSubPullSubscription;
  close(): Promise<void>;
}

/**
 * A minimal Pub/Sub: the Publisher service (CreateTopic, GetTopic, Publish with ordering keys)
 * and the Subscriber service's synchronous pull (Pull, Acknowledge, ModifyAckDeadline, with
 * attribute filters and ack deadlines) over gRPC from the protos `@google-cloud/pubsub` ships, and
 * push subscriptions that POST to a loopback endpoint one message per ordering key at a time,
 * redelivering on a nack. No Pub/Sub
 * emulator on npm runs without a JVM or a downloaded binary (gcloud's is Java).
 */
export async function startPubSubEmulator(options: { readonly projectId?: string } = {}): Promise<PubSubEmulator> {
  const projectId = options.projectId ?? "afsync-test";
  const topics = new Set<string>();
  const published: PublishedMessage[] = [];
  const subscriptions: { topic: string; subscription: PubSubPushSubscription }[] = [];
  const pullSubscriptions = new Map<string, PubSubPullSubscription>();
  const counts = new Map<string, number>();
  const faults = new FaultInjector();
  let nextId = 1;

  const topicName = (name: string) => (name.startsWith("projects/") ? name : `projects/${projectId}/topics/${name}`);

  function unary(method: string, handle: (request: Record<string, unknown>) => unknown) {
    return async (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
      counts.set(method, (counts.get(method) ?? 0) + 1);
      const decision = faults.next(method);
      try {
        if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
        if (decision.respond)
          throw new GrpcStatusError(grpcStatusForHttp(decision.respond.status), `Injected fault (HTTP ${decision.respond.status}).`);
        callback(null, handle(call.request));
      } catch (err) {
        if (!(err instanceof GrpcStatusError)) throw err;
        callback({ code: err.code, details: err.message } as Partial<ServiceError> as ServiceError);
      }
    };
  }

  function requireTopic(name: string): string {
    if (!topics.has(name)) throw new GrpcStatusError(status.NOT_FOUND, `Resource not found (resource=${shortName(name)}).`);
    return name;
  }

  const implementation: UntypedServiceImplementation = {
    createTopic: unary("CreateTopic", (r) => {
      const name = String(r.name ?? "");
      if (topics.has(name)) throw new GrpcStatusError(status.ALREADY_EXISTS, "Resource already exists in the project (resource=topic).");
      topics.add(name);
      return { name };
    }),
    getTopic: unary("GetTopic", (r) => ({ name: requireTopic(String(r.topic ?? "")) })),
    publish: unary("Publish", (r) => {
      const topic = requireTopic(String(r.topic ?? ""));
      const messages = (r.messages ?? []) as { data?: Buffer; attributes?: Record<string, string>; orderingKey?: string }[];
      if (messages.length === 0) throw new GrpcStatusError(status.INVALID_ARGUMENT, "The request contains no messages.");
      const stored = messages.map((m, index): PublishedMessage => {
        const data = Buffer.from(m.data ?? Buffer.alloc(0));
        const attributes = m.attributes ?? {};
        if (data.length === 0 && Object.keys(attributes).length === 0)
          throw new GrpcStatusError(status.INVALID_ARGUMENT, `messages[${index}] has neither data nor attributes.`);
        return {
          topic,
          messageId: String(nextId++),
          data,
          attributes,
          orderingKey: m.orderingKey ?? "",
          publishTime: new Date().toISOString(),
        };
      });
      for (const message of stored) {
        published.push(message);
        for (const s of subscriptions) if (s.topic === topic) s.subscription.accept(message);
        for (const s of pullSubscriptions.values()) if (s.topic === topic) s.accept(message);
      }
      return { messageIds: stored.map((m) => m.messageId) };
    }),
  };

  function requireSubscription(name: string): PubSubPullSubscription {
    const subscription = pullSubscriptions.get(name);
    if (subscription === undefined) throw new GrpcStatusError(status.NOT_FOUND, `Resource not found (resource=${shortName(name)}).`);
    return subscription;
  }

  const subscriber: UntypedServiceImplementation = {
    pull: unary("Pull", (r) => {
      const subscription = requireSubscription(String(r.subscription ?? ""));
      const deliveries = subscription.pull(Number(r.maxMessages ?? 0));
      return {
        receivedMessages: deliveries.map((d) => ({
          ackId: d.ackId,
          deliveryAttempt: 0,
          message: {
            data: d.message.data,
            attributes: d.message.attributes,
            messageId: d.message.messageId,
            publishTime: timestampOf(d.message.publishTime),
            orderingKey: d.message.orderingKey,
          },
        })),
      };
    }),
    acknowledge: unary("Acknowledge", (r) => {
      const ackIds = (r.ackIds ?? []) as string[];
      if (ackIds.length === 0) throw new GrpcStatusError(status.INVALID_ARGUMENT, "No ack ids specified.");
      requireSubscription(String(r.subscription ?? "")).acknowledge(ackIds);
      return {};
    }),
    modifyAckDeadline: unary("ModifyAckDeadline", (r) => {
      const ackIds = (r.ackIds ?? []) as string[];
      if (ackIds.length === 0) throw new GrpcStatusError(status.INVALID_ARGUMENT, "No ack ids specified.");
      requireSubscription(String(r.subscription ?? "")).modifyAckDeadline(ackIds, Number(r.ackDeadlineSeconds ?? 0));
      return {};
    }),
  };

  const server = new Server();
  server.addService(loadPubSubPublisherService(), implementation);
  server.addService(loadPubSubSubscriberService(), subscriber);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    projectId,
    createTopic(name) {
      const full = topicName(name);
      topics.add(full);
      return full;
    },
    published,
    calls: (method) => counts.get(method) ?? 0,
    inject: (fault) => faults.inject(fault),
    pushTo(subscriptionOptions) {
      const subscription = new PubSubPushSubscription(projectId, subscriptionOptions);
      subscriptions.push({ topic: topicName(subscriptionOptions.topic), subscription });
      return subscription;
    },
    pullSubscription(subscriptionOptions) {
      const subscription = new PubSubPullSubscription(projectId, topicName(subscriptionOptions.topic), subscriptionOptions);
      if (pullSubscriptions.has(subscription.name)) throw new Error(`subscription ${subscription.name} already exists`);
      pullSubscriptions.set(subscription.name, subscription);
      return subscription;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of subscriptions) s.subscription.stop();
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}

/** A google.protobuf.Timestamp from an ISO time. */
function timestampOf(iso: string): { seconds: string; nanos: number } {
  const ms = Date.parse(iso);
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}
