import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { AfsyncError, type ChangeHint, type Logger, type SecretSource } from "@afsync/core";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import type { PubSubPushVerifier } from "@afsync/runtime/events/createPubSubPushVerifier";
import type { EventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { applyServerLimits, DEFAULT_HTTP_LIMITS, type HttpLimits, serverTimeoutOptions } from "@afsync/runtime/http/HttpLimits";
import { readBoundedBody, refuseAndClose } from "@afsync/runtime/http/readBoundedBody";
import { parseWebhookBody } from "@afsync/runtime/webhook/parseWebhookBody";
import { SIGNATURE_HEADER, type WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookHints } from "@afsync/runtime/webhook/webhookHints";
import { DASHBOARD_SCRIPT } from "../dashboard/dashboardScript.ts";
import { DASHBOARD_SCRIPT_PATH, type DashboardFocus, renderDashboard } from "../dashboard/renderDashboard.ts";
import type { ServeStatus } from "./ServeStatus.ts";
import type { SyncCoordinator } from "./SyncCoordinator.ts";
import { serveDashboardView } from "./serveDashboardView.ts";

/** Where authenticated Pub/Sub push subscriptions deliver. */
export const PUBSUB_PATH = "/pubsub";

export interface ServeHttpDeps {
  readonly status: ServeStatus;
  readonly coordinator: SyncCoordinator;
  /** null when no webhook secret is configured: the webhook answers 503 and nothing runs. */
  readonly verifier: WebhookVerifier | null;
  /** null when `serve.pubsub_push` is not configured: `POST /pubsub` answers 503 and nothing runs. */
  readonly pubsubVerifier?: PubSubPushVerifier | null;
  /** null when no Event Grid delivery key is configured: `/eventgrid` answers 503 and nothing runs. */
  readonly eventGrid?: EventGridEndpoint | null;
  readonly sources: ReadonlyMap<string, SecretSource>;
  readonly now: () => Date;
  readonly logger: Logger;
  /** Body size and header/body time bounds; DEFAULT_HTTP_LIMITS unless a test shortens them. */
  readonly limits?: HttpLimits;
}

/** The routes and the methods each takes: any other path is 404 whatever the method, a known path with another method 405. */
const ROUTES: Readonly<Record<string, readonly string[]>> = {
  "/": ["GET", "HEAD"],
  "/healthz": ["GET", "HEAD"],
  "/status.json": ["GET", "HEAD"],
  "/dashboard.json": ["GET", "HEAD"],
  [DASHBOARD_SCRIPT_PATH]: ["GET", "HEAD"],
  "/keys/<key>": ["GET", "HEAD"],
  "/deployments/<id>": ["GET", "HEAD"],
  "/hooks/generic": ["POST"],
  "/pubsub": ["POST"],
  "/eventgrid": ["POST", "OPTIONS"],
};

/**
 * serve's HTTP face: `GET /` (the operator's dashboard; `/keys/<key>` and `/deployments/<id>`
 * focus it, `/dashboard.js` is its script, `/dashboard.json` its data), `GET /healthz`, `GET /status.json`, the signed
 * `POST /hooks/generic`, `POST /pubsub` for authenticated Pub/Sub push deliveries of Secret
 * Manager notifications and `POST|OPTIONS /eventgrid` (Key Vault events delivered by an Event
 * Grid subscription). Plain node:http: a handful of routes do not need a framework.
 */
export function createServeHttpServer(deps: ServeHttpDeps): Server {
  const limits = deps.limits ?? DEFAULT_HTTP_LIMITS;
  const server = createServer(serverTimeoutOptions(limits), (req, res) => {
    handle(deps, limits, req, res).catch((error: unknown) => {
      deps.logger.log("error", "request failed", { path: pathOf(req), message: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    });
  });
  return applyServerLimits(server, limits);
}

/** The dashboard's page is served strictly: its one script from serve itself, no inline script, nothing else fetched. */
const DASHBOARD_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async function handle(deps: ServeHttpDeps, limits: HttpLimits, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req);
  const focus = focusOf(path);
  const methods =
    ROUTES[focus === null ? path : focus.kind === "key" ? "/keys/<key>" : focus.kind === "deployment" ? "/deployments/<id>" : "/"];
  // A body sent to a path or method that takes none is never read: the connection closes after the
  // answer instead of node draining (reading) the whole body to keep it alive.
  const answer = hasBody(req) ? refuseAndClose : sendJson;
  if (methods === undefined) return answer(res, 404, { error: "not found", routes: routeList() });
  if (!methods.includes(req.method ?? "")) return answer(res, 405, { error: `use ${methods.join(" or ")}` }, { allow: methods.join(", ") });
  if (path === "/hooks/generic") return handleWebhook(deps, limits, req, res);
  if (path === PUBSUB_PATH) return handlePubSubPush(deps, limits, req, res);
  if (path === "/eventgrid") return handleEventGrid(deps, limits, req, res);
  if (focus !== null) {
    const html = renderDashboard(serveDashboardView(deps.status, deps.now()), focus);
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": DASHBOARD_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    res.end(req.method === "HEAD" ? undefined : html);
    return;
  }
  if (path === DASHBOARD_SCRIPT_PATH) {
    res.writeHead(200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : DASHBOARD_SCRIPT);
    return;
  }
  if (path === "/dashboard.json") return sendJson(res, 200, serveDashboardView(deps.status, deps.now()));
  if (path === "/healthz") {
    const last = deps.status.lastRun;
    const failed = deps.status.deploymentStatuses.some((d) => d.status === "failed") || last?.error !== undefined;
    return sendJson(res, 200, {
      status: failed ? "degraded" : "ok",
      runs: deps.status.runCount,
      lastRun: last === undefined ? null : { startedAt: last.startedAt, trigger: last.trigger, ok: last.error === undefined },
    });
  }
  if (path === "/status.json") return sendJson(res, 200, statusJson(deps.status));
  return sendJson(res, 404, { error: "not found", routes: routeList() });
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || (req.headers["content-length"] ?? "0") !== "0";
}

function routeList(): string[] {
  return Object.entries(ROUTES).map(([path, methods]) => `${methods[0]} ${path}`);
}

async function handleWebhook(deps: ServeHttpDeps, limits: HttpLimits, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.verifier === null) {
    return refuseAndClose(res, 503, {
      error: "webhook disabled: set serve.webhook_secret_env in afsync.yaml and that environment variable",
    });
  }
  const read = await readBoundedBody(req, { maxBytes: limits.maxBodyBytes, deadlineMs: limits.bodyDeadlineMs });
  if (!read.ok) {
    deps.logger.log("warn", "webhook refused unread", { status: read.status, reason: read.reason });
    return refuseAndClose(res, read.status, { error: read.reason });
  }
  const body = read.body;
  const header = req.headers[SIGNATURE_HEADER];
  const verdict = deps.verifier.verify(Array.isArray(header) ? header[0] : header, body);
  if (!verdict.ok) {
    deps.logger.log("warn", "webhook rejected", { status: verdict.status, reason: verdict.reason });
    return sendJson(res, verdict.status, { error: verdict.reason });
  }
  const parsed = parseWebhookBody(body.toString("utf8"));
  if (!parsed.ok) return sendJson(res, 400, { error: parsed.error });
  const source = deps.sources.get(parsed.request.source);
  if (source === undefined)
    return sendJson(res, 404, { error: `unknown source '${parsed.request.source}'`, sources: [...deps.sources.keys()] });
  const reason = `webhook (${source.id})`;
  const keys = parsed.request.keys;
  const done = keys === null ? deps.coordinator.requestFull(reason) : deps.coordinator.requestHints(reason, webhookHints(keys, source));
  const wait = new URL(req.url ?? "/", "http://localhost").searchParams.get("wait");
  if (wait === "1" || wait === "true") {
    const record = await done;
    return sendJson(res, record.error === undefined ? 200 : 500, { run: record });
  }
  return sendJson(res, 202, { accepted: true, source: source.id, keys: keys === null ? "all" : keys.length });
}

/**
 * An authenticated Pub/Sub push (a push subscription on the secrets' notification topic): the
 * OIDC token is checked before the body is read (401 none, 403 bad; nothing runs), then the
 * notification goes through the parser registry and the hints join the next run. Pub/Sub
 * redelivers anything but 102/200/201/202/204, so a notification afsync cannot use is
 * acknowledged (200) with the reason rather than refused: it would not parse on redelivery either.
 */
async function handlePubSubPush(deps: ServeHttpDeps, limits: HttpLimits, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.pubsubVerifier === undefined || deps.pubsubVerifier === null)
    return sendJson(res, 503, { error: "Pub/Sub push disabled: set serve.pubsub_push (audience, service_account) in afsync.yaml" });
  const authorization = req.headers.authorization;
  const verdict = await deps.pubsubVerifier(authorization);
  if (!verdict.ok) {
    const status = authorization === undefined || authorization.trim() === "" ? 401 : 403;
    deps.logger.log("warn", "Pub/Sub push rejected", { status, reason: verdict.reason });
    return sendJson(res, status, { error: verdict.reason });
  }
  const read = await readBoundedBody(req, { maxBytes: limits.maxBodyBytes, deadlineMs: limits.bodyDeadlineMs });
  if (!read.ok) return refuseAndClose(res, read.status, { error: read.reason });
  const body = read.body;
  let hints: ChangeHint[];
  try {
    hints = eventParsers.parse(JSON.parse(body.toString("utf8")) as unknown);
  } catch (error) {
    const reason = error instanceof SyntaxError ? "body is not valid JSON" : error instanceof AfsyncError ? error.message : undefined;
    if (reason === undefined) throw error;
    deps.logger.log("warn", "Pub/Sub push ignored: it does not parse", { reason });
    return sendJson(res, 200, { accepted: false, ignored: reason });
  }
  const resolved = resolveHints(hints, deps.sources.values());
  const actionable = resolved.filter((h) => h.action !== "ignore" && h.sourceId !== undefined);
  const ignored = resolved
    .filter((h) => !actionable.includes(h))
    .map((h) => ({ secretId: h.secretId, reason: h.reason ?? "not a value change" }));
  if (actionable.length === 0) return sendJson(res, 200, { accepted: false, ignored });
  void deps.coordinator.requestHints(`pubsub (${[...new Set(actionable.map((h) => h.sourceId))].join(", ")})`, actionable);
  return sendJson(res, 202, { accepted: true, hints: actionable.length, ignored });
}

/**
 * An Event Grid delivery: the key check, both handshakes and the parsing are the runtime's
 * (the same as the Azure function app's HTTP trigger); the hints then join serve's next run.
 */
async function handleEventGrid(deps: ServeHttpDeps, limits: HttpLimits, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const endpoint = deps.eventGrid ?? null;
  if (endpoint === null) {
    return sendJson(res, 503, {
      error: "Event Grid endpoint disabled: set serve.eventgrid_key_env in afsync.yaml and that environment variable",
    });
  }
  const read = await readBoundedBody(req, { maxBytes: limits.maxBodyBytes, deadlineMs: limits.bodyDeadlineMs });
  if (!read.ok) return refuseAndClose(res, read.status, { error: read.reason });
  const body = read.body;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  const outcome = endpoint.handle({ method: req.method ?? "GET", url: req.url ?? "/", headers, body: body.toString("utf8") });
  const actionable = outcome.hints.filter((h) => h.action !== "ignore");
  deps.logger.log(outcome.outcome === "refused" ? "warn" : "info", "event grid delivery", {
    outcome: outcome.outcome,
    hints: outcome.hints.length,
    actionable: actionable.length,
  });
  if (actionable.length > 0) void deps.coordinator.requestHints("Event Grid delivery", actionable);
  const { status, headers: responseHeaders, body: responseBody } = outcome.response;
  if (responseBody === undefined) {
    res.writeHead(status, { "cache-control": "no-store", ...responseHeaders });
    res.end();
    return;
  }
  return sendJson(res, status, responseBody, { ...responseHeaders });
}

function statusJson(status: ServeStatus): unknown {
  return {
    startedAt: status.startedAt,
    revision: status.revision,
    runs: status.runCount,
    recentRuns: status.recentRuns,
    deployments: status.deploymentStatuses.map((d) => ({ ...d, keys: [...d.keys.values()], timings: Object.fromEntries(d.timings) })),
    eventFeeds: status.eventFeeds,
    problems: status.problems(),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

/**
 * The dashboard's stable URLs: `/` (the matrix), `/keys/<key>` and `/deployments/<id>`, the name
 * percent-encoded as one path segment; null for any other path.
 */
function focusOf(path: string): DashboardFocus | null {
  if (path === "/") return { kind: "all" };
  const match = /^\/(keys|deployments)\/([^/]+)$/.exec(path);
  if (match?.[1] === undefined || match[2] === undefined) return null;
  let name: string;
  try {
    name = decodeURIComponent(match[2]);
  } catch {
    return null;
  }
  return match[1] === "keys" ? { kind: "key", key: name } : { kind: "deployment", id: name };
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://localhost").pathname;
}
