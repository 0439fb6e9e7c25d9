import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { type Fault, FaultInjector } from "../faults/FaultInjector.ts";
import { CloudIdentityStandIns } from "./CloudIdentityStandIns.ts";
import { opFor, routeKvRequest } from "./routeKvRequest.ts";
import { VaultAuthBackends } from "./VaultAuthBackends.ts";
import { VaultApiError, type VaultEventEnvelope, VaultKvStore, type VaultMount } from "./VaultKvStore.ts";

export type { VaultEventEnvelope } from "./VaultKvStore.ts";

export interface VaultEmulatorOptions {
  readonly port?: number;
  /** The root token (never expires). Default `root`, as `vault server -dev`. */
  readonly rootToken?: string;
  /** Mounts per name with their KV version, created in every namespace. Default `{ secret: 2 }`. */
  readonly mounts?: Readonly<Record<string, 1 | 2>>;
  /** Enterprise namespaces that exist besides the root (`ns1`, `ns1/team`). */
  readonly namespaces?: readonly string[];
  /** TTL of tokens the logins issue. Default 3600 s. */
  readonly tokenTtlSeconds?: number;
  /** Serve HTTPS (and WSS) with this PEM key and certificate, as a Vault behind a private CA. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface VaultEmulator {
  readonly url: string;
  readonly rootToken: string;
  /** Requests per operation (`kv-v2/read`, `kv-v2/metadata-read`, `kv-v2/list`, `auth/approle/login`, `token/renew-self`…). */
  calls(): Record<string, number>;
  calls(op: string): number;
  resetCalls(): void;
  /** Every event emitted so far (each KV write, delete, destroy…), in order. */
  readonly events: readonly VaultEventEnvelope[];
  clearEvents(): void;
  onEvent(listener: (event: VaultEventEnvelope) => void): () => void;
  /** Faults by operation name (see `calls`), e.g. `{ status: 503, operationId: "kv-v2/read" }`. */
  inject(fault: Fault): void;
  /** Writes through the same code as the API, so events are emitted; returns the new KV v2 version (0 for v1). */
  write(path: string, data: Record<string, unknown>, options?: { namespace?: string }): number;
  /** Seeds without an event or a call count. `path` starts with the mount: `secret/connections/db`. */
  seed(path: string, data: Record<string, unknown>, options?: { namespace?: string }): void;
  mount(name: string, version: 1 | 2, namespace?: string): void;
  issueToken(options?: { ttlSeconds?: number; renewable?: boolean; namespace?: string }): string;
  revokeToken(token: string): void;
  addAppRole(roleName: string, roleId: string, secretId: string): void;
  trustJwtKey(mount: string, publicKeyPem: string, roles: readonly string[]): void;
  addAwsCredentials(accessKeyId: string, secretAccessKey: string, arn: string, roles: readonly string[]): void;
  setAwsServerId(value: string | undefined): void;
  /** Managed-identity and GCP metadata/IAM stand-ins answer here; their JWTs are trusted by these roles. */
  trustCloudIdentity(mount: "azure" | "gcp", roles: readonly string[]): void;
  /** Moves the emulator's clock (token expiry, deletion times) forward. */
  advanceTime(ms: number): void;
  /** Open event WebSocket subscriptions. */
  readonly subscriberCount: number;
  /** Drops every event WebSocket abruptly, as a restart or a load balancer timeout would. */
  dropEventStreams(): void;
  close(): Promise<void>;
}

interface Subscriber {
  readonly socket: WebSocket;
  readonly pattern: RegExp;
  readonly namespaces: readonly RegExp[];
}

/**
 * A local HashiCorp Vault: the HTTP API of the KV engines v1 and v2 (data, metadata, versions,
 * soft delete, undelete, destroy, LIST as `GET ?list=true` or the LIST verb), tokens with
 * lookup/renewal, the login endpoints of the supported auth methods, Enterprise namespaces
 * (`X-Vault-Namespace`), and the events WebSocket `GET /v1/sys/events/subscribe/<type>?json=true`.
 * It also plays the Azure managed-identity endpoint (`/msi/token`) and the GCP metadata server
 * plus IAM `signJwt`, so the cloud logins run end to end on loopback.
 */
export async function startVaultEmulator(options: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
  const rootToken = options.rootToken ?? "root";
  let offset = 0;
  const now = () => Date.now() + offset;
  const counts = new Map<string, number>();
  const faults = new FaultInjector();
  const events: VaultEventEnvelope[] = [];
  const listeners = new Set<(event: VaultEventEnvelope) => void>();
  const subscribers = new Set<Subscriber>();
  const namespaces = new Set(["", ...(options.namespaces ?? []).map(trimSlashes)]);

  const store = new VaultKvStore(now, (event) => {
    events.push(event);
    for (const l of listeners) l(event);
    const ns = trimSlashes(event.data.namespace ?? "");
    for (const s of subscribers) {
      if (!s.pattern.test(event.data.event_type)) continue;
      if (!s.namespaces.some((re) => re.test(ns))) continue;
      s.socket.send(JSON.stringify(event));
    }
  });
  const auth = new VaultAuthBackends(now, options.tokenTtlSeconds ?? 3600);
  auth.issue({ token: rootToken, ttlSeconds: 0, renewable: false });
  for (const ns of namespaces)
    for (const [name, version] of Object.entries(options.mounts ?? { secret: 2 })) store.mount(ns, name, version === 1 ? 1 : 2);

  const cloudIdentity = new CloudIdentityStandIns(now);

  const count = (op: string) => counts.set(op, (counts.get(op) ?? 0) + 1);

  async function route(
    req: IncomingMessage,
    url: URL,
    body: Record<string, unknown>,
  ): Promise<{ status: number; body: unknown; op: string }> {
    const method = req.method === "GET" && url.searchParams.get("list") === "true" ? "LIST" : (req.method ?? "GET");
    const path = decodeURIComponent(url.pathname);
    // Cloud identity stand-ins (not Vault's API).
    const cloud = cloudIdentity.handle(path, url, body);
    if (cloud) return cloud;
    if (!path.startsWith("/v1/")) throw new VaultApiError(404, "not found");
    const apiPath = path.slice(4);
    const namespace = trimSlashes(String(req.headers["x-vault-namespace"] ?? ""));
    if (!namespaces.has(namespace)) throw new VaultApiError(404, `no handler for route "${apiPath}". route entry not found.`);
    const login = /^auth\/(.+)\/login$/.exec(apiPath);
    if (login && method === "POST") {
      const mount = login[1] as string;
      return { op: `auth/${mount}/login`, status: 200, body: await auth.login(mount, body, namespace) };
    }
    const token = String(req.headers["x-vault-token"] ?? "");
    const info = auth.check(token);
    // A token works in its own namespace and the ones below it.
    if (!info || !(info.namespace === "" || namespace === info.namespace || namespace.startsWith(`${info.namespace}/`)))
      return { op: opFor(apiPath, method), status: 403, body: { errors: ["permission denied"] } };
    if (apiPath === "auth/token/lookup-self") return { op: "token/lookup-self", status: 200, body: auth.lookupSelf(token, info) };
    if (apiPath === "auth/token/renew-self" && method === "POST")
      return { op: "token/renew-self", status: 200, body: auth.renewSelf(token, info) };
    const resolved = store.resolve(namespace, apiPath);
    if (!resolved) throw new VaultApiError(404, `no handler for route "${apiPath}". route entry not found.`);
    const { mount, rest } = resolved;
    return routeKvRequest(store, { namespace, mount, rest, method, url, body });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (status: number, payload: unknown) => {
      res.statusCode = status;
      if (payload === null) return void res.end();
      res.setHeader("content-type", typeof payload === "string" ? "application/text" : "application/json");
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };
    const opGuess = opFor(
      decodeURIComponent(url.pathname).replace(/^\/v1\//, ""),
      req.method === "GET" && url.searchParams.get("list") === "true" ? "LIST" : (req.method ?? "GET"),
    );
    const decision = faults.next(opGuess);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.respond) {
      count(opGuess);
      res.statusCode = decision.respond.status;
      for (const [k, v] of Object.entries(decision.respond.headers)) res.setHeader(k, v);
      return void res.end(
        JSON.stringify({ errors: [String((decision.respond.body as { detail?: unknown })?.detail ?? "injected fault")] }),
      );
    }
    let body: Record<string, unknown> = {};
    if (raw.trim() !== "") {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      } catch {
        count(opGuess);
        return send(400, { errors: ["failed to parse JSON input"] });
      }
    }
    try {
      const out = await route(req, url, body);
      count(out.op);
      send(out.status, out.body);
    } catch (err) {
      count(opGuess);
      if (err instanceof VaultApiError) return send(err.status, { errors: [err.message] });
      send(500, { errors: [`emulator bug: ${String(err)}`] });
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void handle(req, res, Buffer.concat(chunks).toString("utf8")));
  };
  const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, onRequest) : createServer(onRequest);

  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const refuse = (status: number, message: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ errors: [message] })}`,
      );
    };
    const prefix = "/v1/sys/events/subscribe/";
    count("events/subscribe");
    if (!url.pathname.startsWith(prefix)) return refuse(404, "not found");
    const decision = faults.next("events/subscribe");
    if (decision.respond) return refuse(decision.respond.status, "injected fault");
    const namespace = trimSlashes(String(req.headers["x-vault-namespace"] ?? ""));
    const info = auth.check(String(req.headers["x-vault-token"] ?? ""));
    if (!info || !namespaces.has(namespace)) return refuse(403, "permission denied");
    // Without json=true Vault streams protobuf; only the JSON form is emulated.
    if (url.searchParams.get("json") !== "true") return refuse(400, "the emulator streams json=true only");
    const eventType = decodeURIComponent(url.pathname.slice(prefix.length));
    const nsPatterns = url.searchParams
      .getAll("namespaces")
      .map((p) => globToRegExp(namespace === "" ? trimSlashes(p) : `${namespace}/${trimSlashes(p)}`));
    wss.handleUpgrade(req, socket, head, (ws) => {
      const sub: Subscriber = { socket: ws, pattern: globToRegExp(eventType), namespaces: [globToRegExp(namespace), ...nsPatterns] };
      subscribers.add(sub);
      ws.on("close", () => subscribers.delete(sub));
      ws.on("error", () => subscribers.delete(sub));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function splitPath(path: string, namespace = ""): { mount: VaultMount; rest: string } {
    const resolved = store.resolve(trimSlashes(namespace), path);
    if (!resolved) throw new Error(`no mount for ${path} in namespace '${namespace}'`);
    return resolved;
  }

  function calls(): Record<string, number>;
  function calls(op: string): number;
  function calls(op?: string): Record<string, number> | number {
    return op === undefined ? Object.fromEntries(counts) : (counts.get(op) ?? 0);
  }

  return {
    url,
    rootToken,
    calls,
    resetCalls: () => counts.clear(),
    events,
    clearEvents: () => {
      events.length = 0;
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inject: (fault) => faults.inject(fault),
    write(path, data, o = {}) {
      const ns = trimSlashes(o.namespace ?? "");
      const { mount, rest } = splitPath(path, ns);
      if (mount.version === 1) {
        store.v1Write(ns, mount, rest, data);
        return 0;
      }
      const out = store.v2Write(ns, mount, rest, data, "data-write") as { data: { version: number } };
      return out.data.version;
    },
    seed(path, data, o = {}) {
      const ns = trimSlashes(o.namespace ?? "");
      const { mount, rest } = splitPath(path, ns);
      store.silently(() => {
        if (mount.version === 1) store.v1Write(ns, mount, rest, data);
        else store.v2Write(ns, mount, rest, data, "data-write");
      });
    },
    mount: (name, version, namespace = "") => {
      namespaces.add(trimSlashes(namespace));
      store.mount(trimSlashes(namespace), name, version);
    },
    issueToken: (o = {}) => auth.issue(o),
    revokeToken: (t) => auth.revoke(t),
    addAppRole: (roleName, roleId, secretId) => auth.addAppRole(roleName, roleId, secretId),
    trustJwtKey: (mount, pem, roles) => auth.trustJwtKey(mount, pem, roles),
    addAwsCredentials: (id, secret, arn, roles) => auth.addAwsCredentials(id, secret, arn, roles),
    setAwsServerId: (value) => {
      auth.awsServerId = value;
    },
    trustCloudIdentity: (mount, roles) => auth.trustJwtKey(mount, cloudIdentity.publicKeyPem, roles),
    advanceTime: (ms) => {
      offset += ms;
    },
    get subscriberCount() {
      return subscribers.size;
    },
    dropEventStreams() {
      for (const s of subscribers) s.socket.terminate();
      subscribers.clear();
    },
    close: async () => {
      for (const s of subscribers) s.socket.terminate();
      subscribers.clear();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, "");
}

/** Vault's subscription patterns: `*` matches any run of characters (`kv*`, `kv-v2/data-*`). */
function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
}
