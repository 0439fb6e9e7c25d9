import { createHash } from "node:crypto";
import { enqueueHints } from "@afsync/runtime/edge/enqueueHints";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { LoadProducerDeps } from "../runtime/FunctionDeps.ts";

/**
 * Event Grid over HTTP (a webhook subscription to `/api/eventgrid?code=<key>`): the key check in
 * constant time, the SubscriptionValidation and CloudEvents OPTIONS handshakes and the parsing
 * are the runtime's (`eventGridEndpoint`, the same as `afsync serve`). A refused delivery runs
 * nothing. Events become one queue message per affected Deployment; if the queue refuses them the
 * answer is 500, which Event Grid retries (only 200–204 count as delivered).
 */
export function createEventGridHttpHandler(load: LoadProducerDeps) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const deps = await load();
    if (!deps.eventGrid.enabled) {
      deps.logger.log("error", "Event Grid delivery refused: the endpoint is not configured", { reason: deps.eventGrid.reason });
      return { status: 503, jsonBody: { error: "Event Grid endpoint is not configured" } };
    }
    const body = await request.text();
    const outcome = deps.eventGrid.endpoint.handle({ method: request.method, url: request.url, headers: headersOf(request), body });
    deps.logger.log(outcome.outcome === "refused" ? "warn" : "info", "event grid delivery", {
      invocationId: context.invocationId,
      outcome: outcome.outcome,
      hints: outcome.hints.length,
    });
    if (outcome.outcome === "events" && outcome.hints.length > 0) {
      // A redelivery of the same batch gets the same origin; the worker re-reads the source anyway.
      const origin = `eventgrid:${createHash("sha256").update(body).digest("hex").slice(0, 32)}`;
      await enqueueHints(deps, outcome.hints, origin);
    }
    const { status, headers, body: json } = outcome.response;
    return { status, headers: { ...headers }, ...(json === undefined ? {} : { jsonBody: json }) };
  };
}

export function headersOf(request: HttpRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  // The Fetch API's Headers: names come lower-cased, as handleEventGridDelivery expects.
  for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
  return headers;
}
