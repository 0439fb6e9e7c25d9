import { createHash } from "node:crypto";
import { DEFAULT_HTTP_LIMITS } from "@afsync/runtime/http/HttpLimits";
import { SIGNATURE_HEADER, WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookMessages } from "@afsync/runtime/webhook/webhookMessages";
import type { LoadProducerDeps, ProducerDeps } from "../runtime/LambdaDeps.ts";
import { lazyProducerDeps } from "../runtime/lazyDeps.ts";
import { secretEnvReaderInTheBundle } from "../runtime/secretEnvReaderInTheBundle.ts";

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
 * HTTP API → verify `X-Afsync-Signature` (the same verifier as `afsync serve`) → one message per
 * Deployment reading the source, on the same (hint) queue as the events.
 * 413 body over the limit serve also holds (before any hashing or parsing), 401 bad signature,
 * 409 stale or replayed, 400 bad body, 404 unknown source, 202 queued.
 */
export function createWebhookHandler(load: LoadProducerDeps) {
  // One verifier per container, so its replay cache spans the container's invocations.
  let verifier: { secret: string; instance: WebhookVerifier } | undefined;
  const verifierFor = (deps: ProducerDeps, secret: string) => {
    if (verifier?.secret !== secret)
      verifier = { secret, instance: new WebhookVerifier(secret, { nowMs: () => deps.clock.now().getTime() }) };
    return verifier.instance;
  };
  return async (request: HttpApiRequest): Promise<HttpApiResponse> => {
    const deps = await load();
    if (deps.webhookSecret === undefined || deps.webhookSecret === "") {
      deps.logger.log("error", "webhook called but no webhook secret is configured (serve.webhook_secret_env)");
      return reply(503, { error: "webhook is not configured" });
    }
    // API Gateway already caps a payload at 10 MB and a direct invoke at 6 MB, but the Lambda pays
    // for every byte it hashes and parses: anything over serve's limit is refused before that.
    const maxBytes = DEFAULT_HTTP_LIMITS.maxBodyBytes;
    const encoded = request.body ?? "";
    const base64 = request.isBase64Encoded === true;
    // Decided on the string's length first, so a huge body is never copied: a text body has at least
    // one byte per UTF-16 unit, and base64 takes 4 characters per 3 bytes.
    if (encoded.length > (base64 ? Math.ceil(maxBytes / 3) * 4 + 4 : maxBytes)) return tooLarge(deps, maxBytes);
    const bytes = base64 ? Buffer.from(encoded, "base64") : Buffer.from(encoded, "utf8");
    if (bytes.length > maxBytes) return tooLarge(deps, maxBytes);
    const rawBody = bytes.toString("utf8");
    const signature = header(request, SIGNATURE_HEADER);
    const check = verifierFor(deps, deps.webhookSecret).verify(signature, bytes);
    if (!check.ok) {
      deps.logger.log("warn", "webhook rejected", { status: check.status, reason: check.reason });
      return reply(check.status, { error: check.reason });
    }
    // Imported here, not at the top: the body's schema is zod, which the first invocation's
    // config parsing loads anyway (see lazyDeps.ts); Lambda's init phase stays without it.
    const { parseWebhookBody } = await import("@afsync/runtime/webhook/parseWebhookBody");
    const parsed = parseWebhookBody(rawBody);
    if (!parsed.ok) return reply(400, { error: parsed.error });
    // The replay cache lives in one container; deriving the queue's dedup id from the signed
    // header makes SQS drop a replay that reached another container within its 5-minute window.
    const origin = `webhook:${createHash("sha256")
      .update(signature ?? "")
      .digest("hex")}`;
    const built = webhookMessages(parsed.request, deps.bindings, origin);
    if (!built.ok) return reply(404, { error: built.reason });
    await deps.hintQueue.enqueue(built.messages);
    const enqueued = built.messages.map((m) => m.deployment);
    deps.logger.log("info", "webhook accepted", { enqueued });
    return reply(202, { enqueued });
  };
}

function tooLarge(deps: ProducerDeps, maxBytes: number): HttpApiResponse {
  deps.logger.log("warn", "webhook rejected", { status: 413, reason: `body larger than ${maxBytes} bytes` });
  return reply(413, { error: `body larger than ${maxBytes} bytes` });
}

function header(request: HttpApiRequest, name: string): string | undefined {
  // HTTP API lower-cases header names in payload v2; direct invokes may not.
  for (const [key, value] of Object.entries(request.headers ?? {})) if (key.toLowerCase() === name) return value;
  return undefined;
}

function reply(statusCode: number, body: unknown): HttpApiResponse {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

export const handler = createWebhookHandler(lazyProducerDeps(process.env, { loadSecretEnvReader: secretEnvReaderInTheBundle }));
