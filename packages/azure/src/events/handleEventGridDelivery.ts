import type { ChangeHint } from "@afsync/core";
import { UnrecognizedEventError } from "@afsync/core";
import { answerCloudEventsHandshake, type DeliveryResponse } from "./answerCloudEventsHandshake.ts";
import { parseEventGridDelivery } from "./parseAzureKeyVaultEvent.ts";
import { type DeliveryKeyAuth, verifyDeliveryKey } from "./verifyDeliveryKey.ts";

/** One HTTP request to an endpoint that Event Grid delivers to, as any platform binding sees it. */
export interface EventGridHttpRequest {
  readonly method: string;
  readonly url: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** The answer, and the hints to act on (only for an authenticated delivery of events). */
export interface EventGridHttpOutcome {
  readonly response: DeliveryResponse;
  readonly hints: readonly ChangeHint[];
  /** What happened, for the log: never a value. */
  readonly outcome:
    | "refused"
    | "cloudevents-handshake"
    | "subscription-validation"
    | "events"
    | "bad-request"
    | "method-not-allowed"
    | "too-large";
}

const JSON_HEADERS = { "content-type": "application/json" };

/**
 * Event Grid delivers at most 1 MB per request (its batch and event size limit), so a longer body
 * is not Event Grid's; 413 is also one of the codes Event Grid dead-letters without retrying.
 */
export const EVENT_GRID_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Everything an HTTP endpoint receiving Event Grid deliveries must do before any work, as one
 * pure function: authenticate (a forged or unauthenticated request is refused with 401 and
 * yields no hint), answer the CloudEvents OPTIONS handshake, echo a SubscriptionValidationEvent's
 * code with 200 (Event Grid does not accept 202), and parse the events. Only 200–204 count as
 * delivered; a body afsync cannot read gets 400, which Event Grid dead-letters instead of retrying.
 */
export function handleEventGridDelivery(request: EventGridHttpRequest, auth: DeliveryKeyAuth): EventGridHttpOutcome {
  const url = new URL(request.url, "http://localhost");
  if (!verifyDeliveryKey({ query: url.searchParams, headers: request.headers }, auth)) {
    return { response: { status: 401, headers: JSON_HEADERS, body: { error: "unauthenticated delivery" } }, hints: [], outcome: "refused" };
  }
  const method = request.method.toUpperCase();
  if (method === "OPTIONS") {
    const response = answerCloudEventsHandshake(request.headers);
    return { response, hints: [], outcome: response.status === 200 ? "cloudevents-handshake" : "bad-request" };
  }
  if (method !== "POST")
    return {
      response: { status: 405, headers: { ...JSON_HEADERS, Allow: "POST, OPTIONS" }, body: { error: `${method} is not accepted` } },
      hints: [],
      outcome: "method-not-allowed",
    };
  // Checked on the string's length first, so an oversized body is never copied or parsed.
  if (request.body.length > EVENT_GRID_MAX_BODY_BYTES || Buffer.byteLength(request.body) > EVENT_GRID_MAX_BODY_BYTES)
    return {
      response: { status: 413, headers: JSON_HEADERS, body: { error: `body larger than ${EVENT_GRID_MAX_BODY_BYTES} bytes` } },
      hints: [],
      outcome: "too-large",
    };
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return { response: { status: 400, headers: JSON_HEADERS, body: { error: "the body is not JSON" } }, hints: [], outcome: "bad-request" };
  }
  try {
    const delivery = parseEventGridDelivery(body);
    if (delivery.kind === "handshake")
      return {
        response: { status: 200, headers: JSON_HEADERS, body: { validationResponse: delivery.validationCode } },
        hints: [],
        outcome: "subscription-validation",
      };
    return {
      response: { status: 200, headers: JSON_HEADERS, body: { accepted: delivery.hints.length } },
      hints: delivery.hints,
      outcome: "events",
    };
  } catch (err) {
    if (!(err instanceof UnrecognizedEventError)) throw err;
    return { response: { status: 400, headers: JSON_HEADERS, body: { error: err.message } }, hints: [], outcome: "bad-request" };
  }
}
