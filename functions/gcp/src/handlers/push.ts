import { createHash } from "node:crypto";
import { pubSubMessageOf } from "@afsync/gcp/events/pubSubDelivery";
import { enqueueEvent } from "@afsync/runtime/edge/enqueueEvent";
import { SIGNATURE_HEADER, WebhookVerifier } from "@afsync/runtime/webhook/WebhookVerifier";
import { webhookMessages } from "@afsync/runtime/webhook/webhookMessages";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { GcpProducerDeps, LoadGcpProducerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/** The signed webhook's path, the same as `afsync serve`'s. */
export const WEBHOOK_PATH = "/hooks/generic";

/**
 * One HTTP function for what arrives over HTTP from outside the worker topic:
 * - `POST /hooks/generic`: the signed webhook (`X-Afsync-Signature`, the runtime's verifier);
 *   401 bad signature, 409 stale or replayed, 400 bad body, 404 unknown source, 202 queued;
 * - `POST` anywhere else: an authenticated Pub/Sub push of a Secret Manager notification; the
 *   OIDC token is checked before the body is read (401/403, nothing runs). 204 acknowledges.
 */
export function createPushFunction(load: LoadGcpProducerDeps): HttpFunction {
  // One verifier per instance, so its replay cache spans the instance's requests.
  let verifier: { secret: string; instance: WebhookVerifier } | undefined;
  const verifierFor = (deps: GcpProducerDeps, secret: string) => {
    if (verifier?.secret !== secret)
      verifier = { secret, instance: new WebhookVerifier(secret, { nowMs: () => deps.clock.now().getTime() }) };
    return verifier.instance;
  };
  return async (req: Request, res: Response) => {
    if (req.method !== "POST") {
      res.status(405).set("allow", "POST").json({ error: "use POST" });
      return;
    }
    const deps = await load();
    if (req.path === WEBHOOK_PATH) return webhook(deps, req, res, verifierFor);
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    const messageId = messageIdOf(req.body);
    const routed = await enqueueEvent(deps, req.body, messageId);
    res.status(204).set("x-afsync-enqueued", routed.enqueued.join(",")).end();
  };
}

async function webhook(
  deps: GcpProducerDeps,
  req: Request,
  res: Response,
  verifierFor: (deps: GcpProducerDeps, secret: string) => WebhookVerifier,
): Promise<void> {
  if (deps.webhookSecret === undefined || deps.webhookSecret === "") {
    deps.logger.log("error", "webhook called but no webhook secret is configured (serve.webhook_secret_env)");
    res.status(503).json({ error: "webhook is not configured" });
    return;
  }
  // The signature covers the bytes sent; the framework keeps them next to the parsed body.
  const rawBody = req.rawBody?.toString("utf8") ?? "";
  const signature = req.get(SIGNATURE_HEADER);
  const check = verifierFor(deps, deps.webhookSecret).verify(signature, rawBody);
  if (!check.ok) {
    deps.logger.log("warn", "webhook rejected", { status: check.status, reason: check.reason });
    res.status(check.status).json({ error: check.reason });
    return;
  }
  // Imported here, not at the top: the body's schema is zod, which the instance's start need not
  // evaluate (a verified request loads it once).
  const { parseWebhookBody } = await import("@afsync/runtime/webhook/parseWebhookBody");
  const parsed = parseWebhookBody(rawBody);
  if (!parsed.ok) {
    res.status(400).json({ error: parsed.error });
    return;
  }
  const origin = `webhook:${createHash("sha256")
    .update(signature ?? "")
    .digest("hex")}`;
  const built = webhookMessages(parsed.request, deps.bindings, origin);
  if (!built.ok) {
    res.status(404).json({ error: built.reason });
    return;
  }
  await deps.queue.enqueue(built.messages);
  const enqueued = built.messages.map((m) => m.deployment);
  deps.logger.log("info", "webhook accepted", { enqueued });
  res.status(202).json({ enqueued });
}

/** The Pub/Sub message id names the event in logs and origins; a body without one is hashed. */
function messageIdOf(body: unknown): string {
  try {
    const id = pubSubMessageOf(body, "body").messageId;
    if (id !== undefined && id !== "") return id;
  } catch {
    // Not a push body: the parser reports it with the reason.
  }
  return `sha256-${createHash("sha256")
    .update(JSON.stringify(body) ?? "")
    .digest("hex")
    .slice(0, 32)}`;
}
