import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { assertNoSecretLeak } from "@afsync/testing";
import { createWebhookHandler } from "../src/handlers/webhook.ts";
import { binding, fakeDeps, prefixSource } from "./fakes.ts";

// The Lambda webhook under forged and hostile input: every refusal queues nothing and logs no body.
const SECRET = "whsec-hostile";
const NOW = Date.parse("2026-11-25T12:00:00Z") / 1000;
const SENTINEL = "hostile-body-s3ntinel";
const sm = prefixSource("aws-sm", "aws-secrets-manager", "airflow/connections");

function setup() {
  const deps = fakeDeps({ bindings: [binding("prod", [sm])], webhookSecret: SECRET });
  return { deps, handler: createWebhookHandler(async () => deps) };
}

const signed = (raw: string, at = NOW, secret = SECRET) => ({
  headers: { "x-afsync-signature": signWebhookBody(secret, raw, at) },
  body: raw,
});

describe("Lambda webhook under hostile input", () => {
  it("answers 413 to a 50 MB body, plain or base64, before hashing or parsing it", async () => {
    const { deps, handler } = setup();
    const huge = `{"source":"aws-sm","pad":"${SENTINEL}${"a".repeat(50 * 1024 * 1024)}"}`;
    assert.equal((await handler(signed(huge))).statusCode, 413);
    assert.equal((await handler({ headers: {}, body: Buffer.from(huge).toString("base64"), isBase64Encoded: true })).statusCode, 413);
    // Just over the limit is refused too; at the limit it is read (and then judged on its signature).
    const over = `{"source":"aws-sm","pad":"${"a".repeat(256 * 1024)}"}`;
    assert.equal((await handler(signed(over))).statusCode, 413);
    assert.equal((await handler({ headers: {}, body: Buffer.from(over).toString("base64"), isBase64Encoded: true })).statusCode, 413);
    assert.equal(deps.queue.sent.length, 0);
    assertNoSecretLeak([JSON.stringify(deps.lines)], [SENTINEL]);
  });

  it("refuses unsigned, malformed-header, wrongly signed, stale, future and replayed deliveries, queueing only the first accepted", async () => {
    const { deps, handler } = setup();
    const raw = '{"source":"aws-sm","keys":["conn:db"]}';
    assert.equal((await handler({ headers: {}, body: raw })).statusCode, 401);
    assert.equal((await handler({ headers: { "x-afsync-signature": "t=abc,v1=zz" }, body: raw })).statusCode, 401);
    assert.equal((await handler(signed(raw, NOW, "not-the-secret"))).statusCode, 401);
    assert.equal((await handler(signed(raw, NOW - 301))).statusCode, 409);
    assert.equal((await handler(signed(raw, NOW + 301))).statusCode, 409);
    // A body changed after signing is a wrong signature.
    assert.equal((await handler({ ...signed(raw), body: raw.replace("db", "dc") })).statusCode, 401);
    assert.equal(deps.queue.sent.length, 0);
    const good = signed(raw);
    assert.equal((await handler(good)).statusCode, 202);
    assert.equal((await handler(good)).statusCode, 409, "replayed");
    assert.equal(deps.queue.sent.length, 1);
  });

  it("answers 400 to signed malformed JSON and a key list over the cap, naming what is wrong and queueing nothing", async () => {
    const { deps, handler } = setup();
    for (const bad of ["{", "", "[]", "null", `{"source":"aws-sm","keys":"conn:db"}`, '{"source":"","keys":["conn:db"]}', "\u0000"]) {
      const res = await handler(signed(bad));
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
    }
    const huge = JSON.stringify({ source: "aws-sm", keys: Array.from({ length: 10_001 }, (_, i) => `conn:c${i}`) });
    const res = await handler(signed(huge));
    assert.equal(res.statusCode, 400);
    assert.match(JSON.parse(res.body).error, /keys/);
    // A value pasted by mistake into a key list is named by position, never echoed.
    const pasted = JSON.stringify({ source: "aws-sm", keys: [`postgres://u:${SENTINEL}@h/db`] });
    const pastedRes = await handler(signed(pasted));
    assert.equal(pastedRes.statusCode, 400);
    assert.equal(deps.queue.sent.length, 0);
    assertNoSecretLeak([pastedRes.body, JSON.stringify(deps.lines)], [SENTINEL]);
  });
});
