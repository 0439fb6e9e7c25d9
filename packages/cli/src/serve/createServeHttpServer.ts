import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger, SecretSource } from "@afsync/core";
import { parseWebhookBody } from "@afsync/runtime/webhook/parseWebhookBody";
import { SIGNATURE_HEADER, type WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookHints } from "@afsync/runtime/webhook/webhookHints";
import { renderStatusPage } from "./renderStatusPage.ts";
import type { ServeStatus } from "./ServeStatus.ts";
import type { SyncCoordinator } from "./SyncCoordinator.ts";

/** Webhook bodies are a source id and a list of keys; anything bigger is refused unread. */
const MAX_BODY_BYTES = 256 * 1024;

export interface ServeHttpDeps {
  readonly status: ServeStatus;
  readonly coordinator: SyncCoordinator;
  /** null when no webhook secret is configured: the webhook answers 503 and nothing runs. */
  readonly verifier: WebhookVerifier | null;
  readonly sources: ReadonlyMap<string, SecretSource>;
  readonly now: () => Date;
  readonly logger: Logger;
}

/**
 * serve's HTTP face: `GET /` (status page), `GET /healthz`, `GET /status.json` and the signed
 * `POST /hooks/generic`. Plain node:http: four routes do not need a framework.
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
  return sendJson(res, 404, { error: "not found", routes: ["GET /", "GET /healthz", "GET /status.json", "POST /hooks/generic"] });
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
