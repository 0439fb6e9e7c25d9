import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReplayGuard } from "../src/webhook/ReplayGuard.ts";
import { signWebhookBody, verifyWebhookSignature } from "../src/webhook/verifyWebhookSignature.ts";

const secret = "whsec-test";
const body = '{"source":"aws-sm"}';
const now = 1_800_000_000;

describe("verifyWebhookSignature", () => {
  it("accepts a body signed with the secret within five minutes", () => {
    const out = verifyWebhookSignature(signWebhookBody(body, secret, now - 299), body, secret, now);
    assert.equal(out.ok, true);
  });

  it("answers 401 for a missing header, a malformed one, a wrong secret and a changed body", () => {
    const cases = [undefined, "v1=abc", `t=${now},v1=zz`, signWebhookBody(body, "other", now), signWebhookBody(`${body} `, secret, now)];
    for (const header of cases) {
      const out = verifyWebhookSignature(header, body, secret, now);
      assert.ok(!out.ok && out.status === 401, String(header));
    }
  });

  it("answers 409 for a correctly signed but stale or far-future request", () => {
    for (const t of [now - 301, now + 301]) {
      const out = verifyWebhookSignature(signWebhookBody(body, secret, t), body, secret, now);
      assert.ok(!out.ok && out.status === 409);
    }
  });

  it("accepts any of several v1 signatures (secret rotation)", () => {
    const old = signWebhookBody(body, "old-secret", now);
    const current = signWebhookBody(body, secret, now).split(",")[1];
    assert.equal(verifyWebhookSignature(`${old},${current}`, body, secret, now).ok, true);
  });

  it("never puts the secret into a reason", () => {
    const out = verifyWebhookSignature(signWebhookBody(body, "nope", now), body, secret, now);
    assert.ok(!out.ok && !out.reason.includes(secret));
  });
});

describe("ReplayGuard", () => {
  it("reports a remembered signature as seen until the window passes", () => {
    const guard = new ReplayGuard(600);
    assert.equal(guard.seen("a", now), false);
    guard.remember("a", now);
    assert.equal(guard.seen("a", now + 600), true);
    assert.equal(guard.seen("a", now + 601), false);
  });
});
