import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { AfsyncError, type ChangeHint, type Logger, type SecretSource } from "@afsync/core";
import { resolveHints } from "@afsync/core/engine/resolveHints";
import type { PubSubPushVerifier } from "@afsync/runtime/events/createPubSubPushVerifier";
import type { EventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import { parseWebhookBody } from "@afsync/runtime/webhook/parseWebhookBody";
import { SIGNATURE_HEADER, type WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookHints } from "@afsync/runtime/webhook/webhookHints";
import { renderStatusPage } from "./renderStatusPage.ts";
import type { ServeStatus } from "./ServeStatus.ts";
import type { SyncCoordinator } from "./SyncCoordinator.ts";

/** Webhook bodies are a source id and a list of keys; anything bigger is refused unread (Pub/Sub notifications are far smaller). */
const MAX_BODY_BYTES = 256 * 1024;
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
}

/**
 * serve's HTTP face: `GET /` (status page), `GET /healthz`, `GET /status.json`, the signed
 * `POST /hooks/generic`, `POST /pubsub` for authenticated Pub/Sub push deliveries of Secret
 * Manager notifications and `POST|OPTIONS /eventgrid` (Key Vault events delivered by an Event
 * Grid subscription). Plain node:http: a handful of routes do not need a framework.
 */
export function createServeHttpServer(deps: ServeHttpDeps): Server {
  return createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      deps.logger.log("error", "request failed", { path: pathOf(req), message: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    });
  });
}

async function handle(deps: ServeHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = pathOf(req);
  if (path === "/hooks/generic") {
    if (req.method !== "POST") return sendJson(res, 405, { error: "use POST" }, { allow: "POST" });
    return handleWebhook(deps, req, res);
  }
  if (path === PUBSUB_PATH) {
    if (req.method !== "POST") return sendJson(res, 405, { error: "use POST" }, { allow: "POST" });
    return handlePubSubPush(deps, req, res);
  }
  if (path === "/eventgrid") return handleEventGrid(deps, req, res);
  if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: "use GET" }, { allow: "GET, HEAD" });
  if (path === "/") {
    const html = renderStatusPage(deps.status, deps.now());
    res.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
      "x-content-type-options": "nosniff",
    });
    res.end(req.method === "HEAD" ? undefined : html);
    return;
  }
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
  return sendJson(res, 404, {
    error: "not found",
    routes: ["GET /", "GET /healthz", "GET /status.json", "POST /hooks/generic", "POST /pubsub", "POST /eventgrid"],
  });
}

async function handleWebhook(deps: ServeHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.verifier === null) {
    return sendJson(res, 503, { error: "webhook disabled: set serve.webhook_secret_env in afsync.yaml and that environment variable" });
  }
  const body = await readBody(req);
  if (body === null) return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
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
async function handlePubSubPush(deps: ServeHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.pubsubVerifier === undefined || deps.pubsubVerifier === null)
    return sendJson(res, 503, { error: "Pub/Sub push disabled: set serve.pubsub_push (audience, service_account) in afsync.yaml" });
  const authorization = req.headers.authorization;
  const verdict = await deps.pubsubVerifier(authorization);
  if (!verdict.ok) {
    const status = authorization === undefined || authorization.trim() === "" ? 401 : 403;
    deps.logger.log("warn", "Pub/Sub push rejected", { status, reason: verdict.reason });
    return sendJson(res, status, { error: verdict.reason });
  }
  const body = await readBody(req);
  if (body === null) return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
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
async function handleEventGrid(deps: ServeHttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const endpoint = deps.eventGrid ?? null;
  if (endpoint === null) {
    return sendJson(res, 503, {
      error: "Event Grid endpoint disabled: set serve.eventgrid_key_env in afsync.yaml and that environment variable",
    });
  }
  const body = await readBody(req);
  if (body === null) return sendJson(res, 413, { error: `body larger than ${MAX_BODY_BYTES} bytes` });
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
    runs: status.runCount,
    recentRuns: status.recentRuns,
    deployments: status.deploymentStatuses.map((d) => ({ ...d, keys: [...d.keys.values()] })),
    eventFeeds: status.eventFeeds,
    problems: status.problems(),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers });
  res.end(`${JSON.stringify(body)}\n`);
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://localhost").pathname;
}
