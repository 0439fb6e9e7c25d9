import assert from "node:assert/strict";
import { validateHeaderName, validateHeaderValue } from "node:http";
import { describe, it } from "node:test";
import { EVENT_GRID_MAX_BODY_BYTES, type EventGridHttpRequest, handleEventGridDelivery } from "../src/events/handleEventGridDelivery.ts";
import { loadAzureSample } from "./azureSamples.ts";

// Forged and hostile requests to an Event Grid delivery endpoint: each is refused with the right
// status, yields no hint (so nothing runs), and every answer can be written by node as is.
const AUTH = { secret: "delivery-key-hostile-0123456789" };
const VALIDATION = loadAzureSample("azure-eventgrid-subscription-validation.json") as Record<string, unknown>[];
const NEW_VERSION = loadAzureSample("azure-keyvault-secretnewversioncreated-eventgrid.json");

function request(overrides: Partial<EventGridHttpRequest> & { body?: string }, authenticated = true): EventGridHttpRequest {
  return {
    method: "POST",
    url: authenticated ? `/api/eventgrid?code=${AUTH.secret}` : "/api/eventgrid",
    headers: { "content-type": "application/json", "aeg-event-type": "Notification" },
    body: "[]",
    ...overrides,
  };
}

function refused(req: EventGridHttpRequest, status: number): void {
  const outcome = handleEventGridDelivery(req, AUTH);
  assert.equal(outcome.response.status, status, JSON.stringify(outcome.response.body));
  assert.deepEqual(outcome.hints, [], "no hint, so nothing runs");
  // Whatever is answered must be writable by node's HTTP server (no CR/LF or junk in a header).
  for (const [name, value] of Object.entries(outcome.response.headers)) {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
}

describe("Event Grid delivery under hostile input", () => {
  it("refuses unauthenticated validation events, OPTIONS handshakes and 50 MB bodies with 401, before reading them", () => {
    const validation = JSON.stringify(VALIDATION);
    refused(request({ body: validation, headers: { "aeg-event-type": "SubscriptionValidation" } }, false), 401);
    refused(request({ method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" }, body: "" }, false), 401);
    refused(request({ body: "x".repeat(50 * 1024 * 1024) }, false), 401);
    refused(request({ url: "/api/eventgrid?code=", body: validation }), 401);
  });

  it("refuses OPTIONS abuse: no origin, a CR/LF or a huge origin is not echoed into a header", () => {
    refused(request({ method: "OPTIONS", headers: {}, body: "" }), 400);
    refused(request({ method: "OPTIONS", headers: { "webhook-request-origin": "evil\r\nSet-Cookie: a=b" }, body: "" }), 400);
    refused(request({ method: "OPTIONS", headers: { "webhook-request-origin": "a".repeat(10_000) }, body: "" }), 400);
    refused(request({ method: "OPTIONS", headers: { "webhook-request-origin": "<script>" }, body: "" }), 400);
    const ok = handleEventGridDelivery(
      request({ method: "OPTIONS", headers: { "webhook-request-origin": "eventgrid.azure.net" }, body: "" }),
      AUTH,
    );
    assert.equal(ok.response.status, 200);
  });

  it("refuses validation-event abuse: batched with events, a non-string or empty code, and never runs anything", () => {
    const event = (NEW_VERSION as unknown[])[0];
    refused(request({ body: JSON.stringify([...VALIDATION, event]) }), 400);
    refused(request({ body: JSON.stringify([...VALIDATION, ...VALIDATION]) }), 400);
    for (const code of [123, "", null, { nested: true }]) {
      const forged = [{ ...VALIDATION[0], data: { validationCode: code } }];
      refused(request({ body: JSON.stringify(forged) }), 400);
    }
    // A genuine one is answered, and still yields no hint.
    const genuine = handleEventGridDelivery(request({ body: JSON.stringify(VALIDATION) }), AUTH);
    assert.equal(genuine.response.status, 200);
    assert.deepEqual(genuine.hints, []);
  });

  it("answers 413 to an authenticated body over Event Grid's 1 MB, and 400 to malformed JSON or huge lists of non-events", () => {
    refused(request({ body: `[${" ".repeat(EVENT_GRID_MAX_BODY_BYTES)}]` }), 413);
    refused(request({ body: "x".repeat(50 * 1024 * 1024) }), 413);
    // Multi-byte characters count as bytes, not as UTF-16 units.
    refused(request({ body: JSON.stringify(["é".repeat(EVENT_GRID_MAX_BODY_BYTES / 2 + 1)]) }), 413);
    for (const bad of ["{", "", "null", "42", '"x"', "\u0000"]) refused(request({ body: bad }), 400);
    refused(request({ body: JSON.stringify(Array.from({ length: 20_000 }, () => ({}))) }), 400);
    refused(request({ method: "PUT" }), 405);
    refused(request({ method: "GET", body: "" }), 405);
  });
});
