import { createHash } from "node:crypto";
import { SIGNATURE_HEADER, WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookMessages } from "@afsync/runtime/webhook/webhookMessages";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { LoadProducerDeps, ProducerDeps } from "../runtime/FunctionDeps.ts";

/**
 * The signed webhook (`POST /api/hooks/generic`, `X-Afsync-Signature`, the same verifier as
 * `afsync serve`) → one message per Deployment reading the source.
 * 401 bad signature, 409 stale or replayed, 400 bad body, 404 unknown source, 202 queued.
 */
export function createWebhookHttpHandler(load: LoadProducerDeps) {
  // One verifier per instance, so its replay cache spans the instance's invocations.
  let verifier: { secret: string; instance: WebhookVerifier } | undefined;
  const verifierFor = (deps: ProducerDeps, secret: string) => {
    if (verifier?.secret !== secret)
      verifier = { secret, instance: new WebhookVerifier(secret, { nowMs: () => deps.clock.now().getTime() }) };
    return verifier.instance;
  };
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const deps = await load();
    if (deps.webhookSecret === undefined) {
      deps.logger.log("error", "webhook called but no webhook secret is configured (serve.webhook_secret_env)");
      return { status: 503, jsonBody: { error: "webhook is not configured" } };
    }
    const rawBody = await request.text();
    const signature = request.headers.get(SIGNATURE_HEADER) ?? undefined;
    const check = verifierFor(deps, deps.webhookSecret).verify(signature, rawBody);
    if (!check.ok) {
      deps.logger.log("warn", "webhook rejected", { status: check.status, reason: check.reason });
      return { status: check.status, jsonBody: { error: check.reason } };
    }
    // Imported here, not at the top: the body's schema is zod, which the app's start need not
    // evaluate (a verified request loads it once).
    const { parseWebhookBody } = await import("@afsync/runtime/webhook/parseWebhookBody");
    const parsed = parseWebhookBody(rawBody);
    if (!parsed.ok) return { status: 400, jsonBody: { error: parsed.error } };
    const origin = `webhook:${createHash("sha256")
      .update(signature ?? "")
      .digest("hex")}`;
    const built = webhookMessages(parsed.request, deps.bindings, origin);
    if (!built.ok) return { status: 404, jsonBody: { error: built.reason } };
    await deps.queue.enqueue(built.messages);
    const enqueued = built.messages.map((m) => m.deployment);
    deps.logger.log("info", "webhook accepted", { enqueued });
    return { status: 202, jsonBody: { enqueued } };
  };
}
