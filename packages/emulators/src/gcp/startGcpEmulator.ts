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
import { type DeliveryResult, deliverNotification, type HttpDeliveryTarget } from "./deliverNotification.ts";
import { GrpcStatusError } from "./GrpcStatusError.ts";
import { grpcStatusForHttp } from "./grpcStatusForHttp.ts";
import { loadSecretManagerService } from "./loadSecretManagerService.ts";
import { type CreateSecretInput, type SecretManagerProject, SecretManagerStore } from "./SecretManagerStore.ts";
import type { SecretManagerNotification } from "./secretManagerNotifications.ts";

export type { DeliveryResult, HttpDeliveryTarget } from "./deliverNotification.ts";
export type { SecretManagerNotification } from "./secretManagerNotifications.ts";

export interface GcpEmulatorOptions {
  readonly projectId?: string;
  readonly projectNumber?: string;
  /** Per-project, per-minute quotas (Secret Manager's: access 90,000, read 600). */
  readonly quotas?: { readonly accessPerMinute?: number; readonly readPerMinute?: number };
  /** Receives every notification as it is published (the test's Pub/Sub subscriber). */
  readonly onNotification?: (notification: SecretManagerNotification) => void;
}

export interface SeedSecretInput extends Omit<CreateSecretInput, "secretId"> {
  readonly secretId: string;
  /** Payloads of versions 1, 2, … (strings as UTF-8). */
  readonly versions?: readonly (string | Uint8Array)[];
}

export interface HttpSubscription {
  readonly results: readonly DeliveryResult[];
  settled(): Promise<void>;
  stop(): void;
}

export interface GcpEmulator {
  /** `127.0.0.1:<port>`, the `api_endpoint` of a gcp-secret-manager source. */
  readonly endpoint: string;
  readonly port: number;
  readonly project: SecretManagerProject;
  /** Calls per RPC method (`AccessSecretVersion`, `ListSecrets`…), refused and faulted ones included. */
  calls(): Record<string, number>;
  calls(method: string): number;
  resetCalls(): void;
  /** The most calls of one method that were in flight at once since the last resetCalls (concurrency bounds). */
  maxInFlight(method: string): number;
  /** Every notification published so far, in order (one per topic per write). */
  readonly notifications: readonly SecretManagerNotification[];
  clearNotifications(): void;
  onNotification(listener: (notification: SecretManagerNotification) => void): () => void;
  /**
   * Fails or slows the next calls. `status` uses Google's HTTP ↔ gRPC mapping: 429
   * RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, 500 INTERNAL, 403
   * PERMISSION_DENIED; `operationId` is the RPC method name.
   */
  inject(fault: Fault): void;
  /** Moves the emulator's clock (quota windows, timestamps) forward. */
  advanceTime(ms: number): void;
  /** Writes state directly: no notifications, no call counts, no quota. */
  seedSecret(input: SeedSecretInput): void;
  /**
   * Delivers every notification from now on over HTTP, as a push subscription or an Eventarc
   * trigger would (one POST per notification, no redelivery). `settled()` waits for the POSTs.
   */
  deliverTo(target: HttpDeliveryTarget): HttpSubscription;
  /** Publishes SECRET_ROTATE, as the service does at a secret's nextRotationTime. */
  fireRotation(secretId: string): void;
  close(): Promise<void>;
}

/**
 * A Secret Manager gRPC server built from the protos the official client ships: the
 * SecretManagerService methods afsync and its tests use, over a plaintext loopback channel.
 * Methods not listed answer UNIMPLEMENTED, as grpc-js does for a missing handler.
 */
export async function startGcpEmulator(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  const project: SecretManagerProject = { id: options.projectId ?? "afsync-test", number: options.projectNumber ?? "123456789012" };
  const notifications: SecretManagerNotification[] = [];
  const listeners = new Set<(n: SecretManagerNotification) => void>();
  if (options.onNotification) listeners.add(options.onNotification);
  const counts = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const peaks = new Map<string, number>();
  const faults = new FaultInjector();
  const quotaUse = new Map<string, number>();
  let offset = 0;
  const now = () => Date.now() + offset;
  const store = new SecretManagerStore({
    project,
    now,
    notify(notification) {
      notifications.push(notification);
      for (const listener of listeners) listener(notification);
    },
  });

  function chargeQuota(method: string): void {
    const kind = method === "AccessSecretVersion" ? "access" : /^(Get|List)/.test(method) ? "read" : undefined;
    if (kind === undefined) return;
    const limit = kind === "access" ? (options.quotas?.accessPerMinute ?? 90_000) : (options.quotas?.readPerMinute ?? 600);
    const bucket = `${kind}:${Math.floor(now() / 60_000)}`;
    const used = (quotaUse.get(bucket) ?? 0) + 1;
    quotaUse.set(bucket, used);
    if (used > limit)
      throw new GrpcStatusError(
        status.RESOURCE_EXHAUSTED,
        `Quota exceeded for quota metric '${kind === "access" ? "Access requests" : "Read requests"}' and limit '${kind === "access" ? "Access" : "Read"} requests per minute' of service 'secretmanager.googleapis.com' for consumer 'project_number:${project.number}'.`,
      );
  }

  function unary(method: string, handle: (request: Record<string, unknown>) => unknown) {
    return async (call: ServerUnaryCall<Record<string, unknown>, unknown>, callback: sendUnaryData<unknown>) => {
      counts.set(method, (counts.get(method) ?? 0) + 1);
      const current = (inFlight.get(method) ?? 0) + 1;
      inFlight.set(method, current);
      peaks.set(method, Math.max(peaks.get(method) ?? 0, current));
      const decision = faults.next(method);
      try {
        if (decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
        if (decision.respond)
          throw new GrpcStatusError(grpcStatusForHttp(decision.respond.status), `Injected fault (HTTP ${decision.respond.status}).`);
        chargeQuota(method);
        callback(null, handle(call.request));
      } catch (err) {
        if (!(err instanceof GrpcStatusError)) throw err;
        callback({ code: err.code, details: err.message } as Partial<ServiceError> as ServiceError);
      } finally {
        inFlight.set(method, (inFlight.get(method) ?? 1) - 1);
      }
    };
  }

  const str = (request: Record<string, unknown>, field: string): string =>
    typeof request[field] === "string" ? (request[field] as string) : "";
  const payloadOf = (request: Record<string, unknown>): Buffer => {
    const payload = request.payload as { data?: Buffer } | null | undefined;
    return Buffer.from(payload?.data ?? Buffer.alloc(0));
  };
  const implementation: UntypedServiceImplementation = {
    listSecrets: unary("ListSecrets", (r) =>
      store.listSecrets(str(r, "parent"), Number(r.pageSize ?? 0), str(r, "pageToken"), str(r, "filter")),
    ),
    createSecret: unary("CreateSecret", (r) => {
      const secret = (r.secret ?? {}) as {
        topics?: { name?: string }[];
        labels?: Record<string, string>;
        versionDestroyTtl?: { seconds?: string } | null;
      };
      const ttl = secret.versionDestroyTtl?.seconds;
      return store.createSecret(str(r, "parent"), {
        secretId: str(r, "secretId"),
        topics: (secret.topics ?? []).map((t) => t.name ?? "").filter((n) => n !== ""),
        labels: secret.labels ?? {},
        ...(ttl !== undefined && Number(ttl) > 0 ? { versionDestroyTtlSeconds: Number(ttl) } : {}),
      });
    }),
    addSecretVersion: unary("AddSecretVersion", (r) => store.addSecretVersion(str(r, "parent"), payloadOf(r))),
    getSecret: unary("GetSecret", (r) => store.getSecret(str(r, "name"))),
    deleteSecret: unary("DeleteSecret", (r) => {
      store.deleteSecret(str(r, "name"));
      return {};
    }),
    getSecretVersion: unary("GetSecretVersion", (r) => store.getSecretVersion(str(r, "name"))),
    accessSecretVersion: unary("AccessSecretVersion", (r) => store.accessSecretVersion(str(r, "name"))),
    disableSecretVersion: unary("DisableSecretVersion", (r) => store.setVersionState(str(r, "name"), "DISABLED")),
    enableSecretVersion: unary("EnableSecretVersion", (r) => store.setVersionState(str(r, "name"), "ENABLED")),
    destroySecretVersion: unary("DestroySecretVersion", (r) => store.destroySecretVersion(str(r, "name"))),
  };

  const server = new Server();
  server.addService(loadSecretManagerService(), implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );

  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    project,
    calls: ((method?: string) => (method === undefined ? Object.fromEntries(counts) : (counts.get(method) ?? 0))) as GcpEmulator["calls"],
    resetCalls: () => {
      counts.clear();
      peaks.clear();
    },
    maxInFlight: (method) => peaks.get(method) ?? 0,
    notifications,
    clearNotifications: () => {
      notifications.length = 0;
    },
    onNotification(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inject: (fault) => faults.inject(fault),
    advanceTime(ms) {
      offset += ms;
    },
    seedSecret(input) {
      const parent = `projects/${project.id}`;
      store.createSecret(parent, input, false);
      for (const v of input.versions ?? []) store.addSecretVersion(`${parent}/secrets/${input.secretId}`, Buffer.from(v), false);
    },
    deliverTo(target) {
      const results: DeliveryResult[] = [];
      const pending = new Set<Promise<void>>();
      const listener = (n: SecretManagerNotification) => {
        const delivery = deliverNotification(n, target).then(
          (result) => {
            results.push(result);
          },
          () => {
            results.push({ messageId: n.message.messageId, eventType: n.eventType, status: 0, acked: false });
          },
        );
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      };
      listeners.add(listener);
      return {
        results,
        settled: async () => {
          while (pending.size > 0) await Promise.all([...pending]);
        },
        stop: () => {
          listeners.delete(listener);
        },
      };
    },
    fireRotation: (secretId) => store.fireRotation(secretId),
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // In-flight calls of a test that already failed must not hold the process open.
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}
