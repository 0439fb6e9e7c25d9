import type { LoadLambdaDeps } from "../runtime/LambdaDeps.ts";
import { lambdaDepsFromEnv } from "../runtime/lambdaDepsFromEnv.ts";
import { ReplayGuard } from "../webhook/ReplayGuard.ts";
import { MAX_SKEW_SECONDS, SIGNATURE_HEADER, verifyWebhookSignature } from "../webhook/verifyWebhookSignature.ts";
import { webhookMessages } from "../webhook/webhookMessages.ts";

/** The parts of an HTTP API (payload v2) request and response this handler uses. */
export interface HttpApiRequest {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}
export interface HttpApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * HTTP API → verify `X-Afsync-Signature` → one message per Deployment reading the source, on the
 * same FIFO queue as the events. 401 bad signature, 409 stale or replayed, 400 bad body, 202 queued.
 */
export function createWebhookHandler(load: LoadLambdaDeps) {
  // A signature stays valid for ±MAX_SKEW around its timestamp, so remember it that long on each side.
  const replays = new ReplayGuard(2 * MAX_SKEW_SECONDS);
  return async (request: HttpApiRequest): Promise<HttpApiResponse> => {
    const deps = await load();
    if (deps.webhookSecret === undefined || deps.webhookSecret === "") {
      deps.logger.log("error", "webhook called but no webhook secret is configured (serve.webhook_secret_env)");
      return reply(503, { error: "webhook is not configured" });
    }
    const rawBody = request.isBase64Encoded === true ? Buffer.from(request.body ?? "", "base64").toString("utf8") : (request.body ?? "");
    const nowSeconds = Math.floor(deps.clock.now().getTime() / 1000);
    const check = verifyWebhookSignature(header(request, SIGNATURE_HEADER), rawBody, deps.webhookSecret, nowSeconds);
    if (!check.ok) {
      deps.logger.log("warn", "webhook rejected", { status: check.status, reason: check.reason });
      return reply(check.status, { error: check.reason });
    }
    if (replays.seen(check.signature, nowSeconds)) return reply(409, { error: "replayed request: this signature was already accepted" });
    // The origin carries the signature, so the queue's dedup id also drops a replay that reached another container.
    const built = webhookMessages(rawBody, deps.bindings, `webhook:${check.signature}`);
    if (!built.ok) return reply(built.status, { error: built.reason });
    await deps.queue.enqueue(built.messages);
    replays.remember(check.signature, nowSeconds);
    const enqueued = built.messages.map((m) => m.deployment);
    deps.logger.log("info", "webhook accepted", { enqueued });
    return reply(202, { enqueued });
  };
}

function header(request: HttpApiRequest, name: string): string | undefined {
  // HTTP API lower-cases header names in payload v2; direct invokes may not.
  for (const [key, value] of Object.entries(request.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

function reply(statusCode: number, body: unknown): HttpApiResponse {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export const handler = createWebhookHandler(lambdaDepsFromEnv(process.env));
