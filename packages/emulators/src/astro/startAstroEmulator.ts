import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Fault, FaultInjector } from "../faults/FaultInjector.ts";
import { RequestsInProgress } from "../http/RequestsInProgress.ts";
import { AstroDeploymentStore, AstroRequestError, type EmulatedDeployment, type SeedDeployment } from "./AstroDeploymentStore.ts";
import { AstroEnvironmentObjectStore, type EmulatedEnvironmentObject } from "./AstroEnvironmentObjectStore.ts";
import { createAstroRequestValidator } from "./astroRequestValidator.ts";

/**
 * A stateful local Astro API: Deployments with their environment variables (Astro API v1 under
 * `/v1` and Platform API v1beta1 under `/platform/v1beta1`, each request validated against its
 * version's spec) and Environment Manager objects (validated against
 * the reconstructed spec next to this file, as no public one exists). Serves the same paths
 * under `/platform/v1beta1` and `/v1`, as the real API does.
 *
 * ```ts
 * const astro = await startAstroEmulator({ token: "t" });
 * astro.seedDeployment({ id: "dep-1", organizationId: "org-1" });
 * // point a target at astro.platformUrl (or astro.v1Url), then:
 * astro.calls().UpdateDeployment; astro.deployment("org-1", "dep-1")?.restarts;
 * astro.inject({ status: 429, retryAfterSeconds: 0, operationId: "UpdateDeployment" });
 * astro.inject({ barrier: 2, operationId: "GetDeployment" }); // hold 2 calls until both arrived
 * ```
 */

export interface AstroEmulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Whether the organization allows `showSecrets=true` ("Environment Secrets Fetching"). */
  readonly allowShowSecrets?: boolean;
  /** ISO time source for `updatedAt`; defaults to the wall clock. */
  readonly now?: () => string;
}

/** Holds the first `barrier` calls of an operation until all of them arrived, then lets them go in arrival order. */
export interface BarrierFault {
  readonly barrier: number;
  readonly operationId: string;
}

export type AstroFault = Fault | BarrierFault;

export interface AstroEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `<url>/platform/v1beta1`, the Platform API base (v1beta1, end of support January 2027). */
  readonly platformUrl: string;
  /** `<url>/v1`, the Astro API v1 base (Deployments and environment objects). */
  readonly v1Url: string;
  seedDeployment(seed: SeedDeployment): EmulatedDeployment;
  /** Creates an object as CreateEnvironmentObject would (body in the API's shape). */
  seedEnvironmentObject(organizationId: string, body: Record<string, unknown>): EmulatedEnvironmentObject;
  /** The stored Deployment, secret values included (test assertions only). */
  deployment(organizationId: string, deploymentId: string): EmulatedDeployment | undefined;
  /** Stored objects, secret values included. */
  environmentObjects(): EmulatedEnvironmentObject[];
  /** Calls received per operationId (faulted and rejected ones included). */
  calls(): Record<string, number>;
  /** Calls that could change state: UpdateDeployment and the environment-object writes. */
  writeCalls(): number;
  resetCalls(): void;
  inject(fault: AstroFault): void;
  /** Resolves once every request received so far is answered (held ones included). */
  receivedRequestsAnswered(timeoutMs?: number): Promise<void>;
  /** Drops every pending status and latency fault (a storm's "last fault" moment). */
  clearFaults(): void;
  close(): Promise<void>;
}

const ROUTES: readonly { method: string; pattern: RegExp; operationId: string; write: boolean }[] = [
  { method: "GET", pattern: /^\/organizations\/([^/]+)\/deployments\/([^/]+)$/, operationId: "GetDeployment", write: false },
  { method: "POST", pattern: /^\/organizations\/([^/]+)\/deployments\/([^/]+)$/, operationId: "UpdateDeployment", write: true },
  { method: "GET", pattern: /^\/organizations\/([^/]+)\/environment-objects$/, operationId: "ListEnvironmentObjects", write: false },
  { method: "POST", pattern: /^\/organizations\/([^/]+)\/environment-objects$/, operationId: "CreateEnvironmentObject", write: true },
  { method: "GET", pattern: /^\/organizations\/([^/]+)\/environment-objects\/([^/]+)$/, operationId: "GetEnvironmentObject", write: false },
  {
    method: "POST",
    pattern: /^\/organizations\/([^/]+)\/environment-objects\/([^/]+)$/,
    operationId: "UpdateEnvironmentObject",
    write: true,
  },
  {
    method: "DELETE",
    pattern: /^\/organizations\/([^/]+)\/environment-objects\/([^/]+)$/,
    operationId: "DeleteEnvironmentObject",
    write: true,
  },
];
const PREFIXES = ["/platform/v1beta1", "/v1"] as const;

export async function startAstroEmulator(options: AstroEmulatorOptions = {}): Promise<AstroEmulator> {
  const now = options.now ?? (() => new Date().toISOString().replace(/\.\d{3}Z$/, "Z"));
  const deployments = new AstroDeploymentStore(now);
  const objects = new AstroEnvironmentObjectStore(now);
  const faults = new FaultInjector();
  const barriers: { operationId: string; parties: number; waiting: (() => void)[] }[] = [];
  let calls: Record<string, number> = {};
  let requestCounter = 0;
  const nextRequestId = () => `req-${String(++requestCounter).padStart(6, "0")}`;
  const validate = createAstroRequestValidator(nextRequestId);

  function error(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    send(res, status, { message, requestId: nextRequestId(), statusCode: status }, headers);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const prefix = PREFIXES.find((p) => url.pathname.startsWith(`${p}/`));
    const path = prefix === undefined ? url.pathname : url.pathname.slice(prefix.length).replace(/\/$/, "");
    const route = prefix === undefined ? undefined : ROUTES.find((r) => r.method === req.method && r.pattern.test(path));
    if (route === undefined) return error(res, 404, `no route for ${req.method} ${url.pathname}`);
    calls[route.operationId] = (calls[route.operationId] ?? 0) + 1;

    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return error(res, 401, "Unauthorized: a valid Bearer token is required");
    }
    const decision = faults.next(route.operationId);
    if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
    if (decision.respond !== undefined) {
      const { status, headers, body: faultBody } = decision.respond;
      const astroBody = isAstroError(faultBody)
        ? faultBody
        : { message: statusText(status), requestId: nextRequestId(), statusCode: status };
      return send(res, status, astroBody, headers);
    }
    await passBarrier(route.operationId);

    const version = prefix === "/v1" ? "v1" : "v1beta1";
    const checked = validate({ version, method: req.method ?? "GET", path, query: url.searchParams, headers: req.headers, body });
    if (!checked.ok) return send(res, checked.status, checked.body);
    const [, org = "", id = ""] = route.pattern.exec(path) ?? [];
    const input = (checked.body ?? {}) as Record<string, unknown>;
    try {
      switch (route.operationId) {
        case "GetDeployment": {
          const found = deployments.get(org, id);
          return found === undefined ? error(res, 404, `Deployment ${id} not found`) : send(res, 200, deployments.view(found));
        }
        case "UpdateDeployment":
          return send(res, 200, deployments.view(deployments.update(org, id, input)));
        case "ListEnvironmentObjects":
          return listObjects(res, org, checked.query);
        case "CreateEnvironmentObject":
          return send(res, 200, { id: objects.create(org, input).id });
        case "GetEnvironmentObject": {
          const found = objects.get(org, id);
          return found === undefined ? error(res, 404, `environment object ${id} not found`) : send(res, 200, objects.view(found));
        }
        case "UpdateEnvironmentObject":
          return send(res, 200, objects.view(objects.update(org, id, input)));
        case "DeleteEnvironmentObject":
          objects.delete(org, id);
          res.writeHead(204).end();
          return;
      }
    } catch (e) {
      if (e instanceof AstroRequestError) return error(res, e.status, e.message);
      throw e;
    }
  }

  function listObjects(res: ServerResponse, org: string, query: Readonly<Record<string, unknown>>): void {
    if (query.showSecrets === true && options.allowShowSecrets !== true) {
      error(res, 403, "showSecrets is not allowed: the organization has not enabled Environment Secrets Fetching");
      return;
    }
    const str = (v: unknown) => (typeof v === "string" ? v : undefined);
    const all = objects.list(org, {
      ...(str(query.workspaceId) === undefined ? {} : { workspaceId: str(query.workspaceId) }),
      ...(str(query.deploymentId) === undefined ? {} : { deploymentId: str(query.deploymentId) }),
      ...(str(query.objectType) === undefined ? {} : { objectType: str(query.objectType) }),
      ...(str(query.objectKey) === undefined ? {} : { objectKey: str(query.objectKey) }),
    });
    const offset = typeof query.offset === "number" ? query.offset : 0;
    // The real default page is small; a client that forgets to page must fail here too.
    const limit = typeof query.limit === "number" ? query.limit : 20;
    const page = all
      .slice(offset, offset + limit)
      .map((o) => (query.showSecrets === true ? unredacted(o, objects.view(o)) : objects.view(o)));
    send(res, 200, { environmentObjects: page, limit, offset, totalCount: all.length });
  }

  async function passBarrier(operationId: string): Promise<void> {
    const barrier = barriers.find((b) => b.operationId === operationId);
    if (barrier === undefined) return;
    await new Promise<void>((release) => {
      barrier.waiting.push(release);
      if (barrier.waiting.length >= barrier.parties) {
        barriers.splice(barriers.indexOf(barrier), 1);
        for (const r of barrier.waiting) r();
      }
    });
  }

  const inProgress = new RequestsInProgress();
  const server = createServer((req, res) => {
    const done = inProgress.begin(req);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8"))
        .catch((e: unknown) => {
          if (!res.headersSent) error(res, 500, `emulator error: ${e instanceof Error ? e.message : String(e)}`);
        })
        .finally(done);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    platformUrl: `${url}/platform/v1beta1`,
    v1Url: `${url}/v1`,
    seedDeployment: (seed) => deployments.seed(seed),
    seedEnvironmentObject: (organizationId, body) => objects.create(organizationId, body),
    deployment: (organizationId, deploymentId) => deployments.get(organizationId, deploymentId),
    environmentObjects: () => objects.all(),
    calls: () => ({ ...calls }),
    writeCalls: () => ROUTES.filter((r) => r.write).reduce((n, r) => n + (calls[r.operationId] ?? 0), 0),
    resetCalls: () => {
      calls = {};
    },
    inject: (fault) => {
      if ("barrier" in fault) barriers.push({ operationId: fault.operationId, parties: fault.barrier, waiting: [] });
      else faults.inject(fault);
    },
    clearFaults: () => faults.clear(),
    receivedRequestsAnswered: (timeoutMs) => inProgress.answered(timeoutMs),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function unredacted(object: EmulatedEnvironmentObject, view: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...view };
  if (object.connection !== undefined) out.connection = { ...object.connection };
  if (object.value !== undefined) {
    out[object.objectType === "AIRFLOW_VARIABLE" ? "airflowVariable" : "environmentVariable"] = { ...object.value };
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function isAstroError(body: unknown): boolean {
  return typeof body === "object" && body !== null && "message" in body && "statusCode" in body;
}

function statusText(status: number): string {
  if (status === 429) return "Too Many Requests";
  if (status === 503) return "Service Unavailable";
  return status >= 500 ? "Internal Server Error" : `Request failed with status ${status}`;
}
