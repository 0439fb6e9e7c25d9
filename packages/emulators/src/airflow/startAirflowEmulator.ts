/**
 * A stateful local Airflow API server: `/api/v1` as Airflow 2.x serves it, or `/api/v2` plus
 * SimpleAuthManager's `POST /auth/token` as Airflow 3.x does. Every request is checked against
 * the OpenAPI spec copied into `specs/` and rejected like the real server (400 on v1, 422 on
 * v2); writes follow the real endpoints' rules (409s, redaction on read, bulk partial errors).
 *
 * ```ts
 * const airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: "pw" } });
 * airflow.state.seedConnection({ connection_id: "theirs", conn_type: "http" });
 * // point a client at airflow.url, then:
 * airflow.callCount("bulk_connections"); airflow.writeCalls(); airflow.inject({ status: 429, times: 2 });
 * await airflow.close();
 * ```
 *
 * Auth: v1 takes HTTP Basic for `users` (the `basic_auth` backend); v2 takes the bearer JWTs
 * `/auth/token` issued. Both take the static `bearerTokens` (an Astro Deployment's API token).
 * `/version` answers without auth so clients can detect the API version.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { type Fault, FaultInjector } from "../faults/FaultInjector.ts";
import { RequestsInProgress } from "../http/RequestsInProgress.ts";
import { createOpenApiValidator, type OpenApiValidator } from "../openapi/createOpenApiValidator.ts";
import { AirflowState } from "./AirflowState.ts";
import { handleV1 } from "./handleV1.ts";
import { handleV2 } from "./handleV2.ts";

export interface AirflowEmulatorOptions {
  readonly apiVersion: 1 | 2;
  /** username → password; default `{ admin: "admin" }`. */
  readonly users?: Readonly<Record<string, string>>;
  /** Bearer tokens accepted as they are (an Astro API token in front of the Airflow API). */
  readonly bearerTokens?: readonly string[];
  /** `[api] maximum_page_limit`: larger `limit`s are silently clamped (default 100). */
  readonly maxPageLimit?: number;
  readonly port?: number;
}

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly operationId: string;
  readonly status: number;
  /** Bytes of the request body (UTF-8), so a benchmark can count what a client sent. */
  readonly bodyBytes: number;
}

export interface AirflowEmulator {
  /** Root URL (`http://127.0.0.1:<port>`); the API lives under `/api/v1` or `/api/v2`. */
  readonly url: string;
  readonly apiVersion: 1 | 2;
  readonly state: AirflowState;
  /** Every request in order, with its operationId (`create_token` for `/auth/token`) and answer status. */
  readonly calls: readonly RecordedCall[];
  callCount(operationId: string): number;
  callCounts(): Record<string, number>;
  /** Requests that could change state (not GET, not token requests). */
  writeCalls(): number;
  resetCalls(): void;
  inject(fault: Fault): void;
  readonly faults: FaultInjector;
  /** Resolves once every request received so far is answered (held ones included). */
  receivedRequestsAnswered(timeoutMs?: number): Promise<void>;
  /** Makes the next bulk call fail one entity with this status and message (bulk partial failure). */
  failBulkItem(kind: "connection" | "variable", id: string, failure?: { status?: number; message?: string }): void;
  /** Forgets every issued token, as when JWTs expire: the next call with one gets 401. */
  expireTokens(): void;
  close(): Promise<void>;
}

const specPath = (name: string) => fileURLToPath(new URL(`../../specs/${name}`, import.meta.url));
const validators = new Map<string, OpenApiValidator>();

function validatorFor(name: string, options?: Parameters<typeof createOpenApiValidator>[1]): OpenApiValidator {
  let v = validators.get(name);
  if (v === undefined) {
    v = createOpenApiValidator(specPath(name), options);
    validators.set(name, v);
  }
  return v;
}

export async function startAirflowEmulator(options: AirflowEmulatorOptions): Promise<AirflowEmulator> {
  const { apiVersion } = options;
  const users = options.users ?? { admin: "admin" };
  const staticTokens = new Set(options.bearerTokens ?? []);
  const maxPageLimit = options.maxPageLimit ?? 100;
  const api =
    apiVersion === 1
      ? validatorFor("airflow-rest-api-v1.yaml")
      : // Airflow 3 declares variable routes as `{variable_key:path}`; the generated spec loses it.
        validatorFor("airflow-rest-api-v2.yaml", { greedyPathParams: ["variable_key"] });
  const auth = apiVersion === 2 ? validatorFor("airflow-simple-auth-manager-v2.yaml") : undefined;
  const state = new AirflowState();
  const faults = new FaultInjector();
  const calls: RecordedCall[] = [];
  const issued = new Set<string>();
  const itemFaults: { kind: string; id: string; status: number; message: string }[] = [];

  const takeItemFault = (kind: "connection" | "variable", id: string) => {
    const i = itemFaults.findIndex((f) => f.kind === kind && f.id === id);
    if (i < 0) return undefined;
    const [fault] = itemFaults.splice(i, 1);
    return fault;
  };

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? "";
    if (header.startsWith("Bearer ")) {
      const token = header.slice(7).trim();
      return staticTokens.has(token) || (apiVersion === 2 && issued.has(token));
    }
    if (apiVersion === 1 && header.startsWith("Basic ")) {
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const sep = decoded.indexOf(":");
      const user = decoded.slice(0, sep);
      return sep > 0 && Object.hasOwn(users, user) && users[user] === decoded.slice(sep + 1);
    }
    return false;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const validator = auth !== undefined && url.pathname.startsWith("/auth/") ? auth : api;
    const result = validator.validate({
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
    });
    const operationId = result.operationId ?? `${req.method} ${url.pathname}`;
    const bodyBytes = Buffer.byteLength(body);
    const record = (status: number) => calls.push({ method: req.method ?? "GET", path: url.pathname, operationId, status, bodyBytes });

    const decision = faults.next(operationId);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.respond !== undefined) {
      record(decision.respond.status);
      return send(res, decision.respond.status, decision.respond.body, decision.respond.headers);
    }
    const isPublic = operationId === "get_version" || operationId === "create_token";
    if (!isPublic && !authorized(req)) {
      record(401);
      return send(
        res,
        401,
        apiVersion === 1
          ? {
              detail: null,
              status: 401,
              title: "Unauthorized",
              type: "https://airflow.apache.org/docs/apache-airflow/2.9.2/stable-rest-api-ref.html#section/Errors/Unauthenticated",
            }
          : { detail: "Not authenticated" },
        apiVersion === 1 ? { "www-authenticate": 'Basic realm="Airflow"' } : {},
      );
    }
    if (!result.ok) {
      record(result.status);
      return send(res, result.status, result.body);
    }
    if (operationId === "create_token") {
      const login = (result.body ?? {}) as { username?: unknown; password?: unknown };
      const user = String(login.username ?? "");
      if (!Object.hasOwn(users, user) || users[user] !== login.password) {
        record(401);
        return send(res, 401, { detail: "Invalid credentials" });
      }
      const token = `emulated.${randomUUID()}`;
      issued.add(token);
      record(201);
      return send(res, 201, { access_token: token });
    }
    const input = { operationId, pathParams: result.pathParams, query: result.query, body: result.body };
    const answer = apiVersion === 1 ? handleV1(input, state, maxPageLimit) : handleV2(input, state, maxPageLimit, takeItemFault);
    record(answer.status);
    send(res, answer.status, answer.body);
  }

  const inProgress = new RequestsInProgress();
  const server = createServer((req, res) => {
    const done = inProgress.begin(req);
    handle(req, res)
      .catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, { detail: `emulator error: ${error instanceof Error ? error.message : String(error)}` });
      })
      .finally(done);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiVersion,
    state,
    calls,
    faults,
    callCount: (operationId) => calls.filter((c) => c.operationId === operationId).length,
    callCounts: () => {
      const counts: Record<string, number> = {};
      for (const c of calls) counts[c.operationId] = (counts[c.operationId] ?? 0) + 1;
      return counts;
    },
    writeCalls: () => calls.filter((c) => c.method !== "GET" && c.operationId !== "create_token").length,
    resetCalls: () => {
      calls.length = 0;
    },
    inject: (fault) => faults.inject(fault),
    receivedRequestsAnswered: (timeoutMs) => inProgress.answered(timeoutMs),
    failBulkItem: (kind, id, failure) => {
      itemFaults.push({ kind, id, status: failure?.status ?? 400, message: failure?.message ?? `The ${kind} ${id} could not be written.` });
    },
    expireTokens: () => issued.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...(text === "" ? {} : { "content-type": "application/json" }), ...headers });
  res.end(text);
}
