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
import { loadPubSubPublisherService } from "./loadPubSubPublisherService.ts";
import { type PublishedMessage, PubSubPushSubscription, type PushSubscriptionOptions, shortName } from "./PubSubPushSubscription.ts";

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
  /** Calls per RPC method (`Publish`, `CreateTopic`, `GetTopic`). */
  calls(method: string): number;
  /** Fails or slows the next calls; `status` uses Google's HTTP ↔ gRPC mapping (503 UNAVAILABLE…). */
  inject(fault: Fault): void;
  /** A push subscription on a topic, delivering from now on. */
  pushTo(options: PushSubscriptionOptions): PubSubPushSubscription;
  close(): Promise<void>;
}

/**
 * A minimal Pub/Sub: the Publisher service (CreateTopic, GetTopic, Publish with ordering keys)
 * over gRPC from the protos `@google-cloud/pubsub` ships, and push subscriptions that POST to a
 * loopback endpoint one message per ordering key at a time, redelivering on a nack. No Pub/Sub
 * emulator on npm runs without a JVM or a downloaded binary (gcloud's is Java).
 */
export async function startPubSubEmulator(options: { readonly projectId?: string } = {}): Promise<PubSubEmulator> {
  const projectId = options.projectId ?? "afsync-test";
  const topics = new Set<string>();
  const published: PublishedMessage[] = [];
  const subscriptions: { topic: string; subscription: PubSubPushSubscription }[] = [];
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
      }
      return { messageIds: stored.map((m) => m.messageId) };
    }),
  };

  const server = new Server();
  server.addService(loadPubSubPublisherService(), implementation);
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of subscriptions) s.subscription.stop();
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
