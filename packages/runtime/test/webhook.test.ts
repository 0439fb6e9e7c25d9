import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { parseWebhookBody } from "../src/webhook/parseWebhookBody.ts";
import { signWebhookBody, WebhookVerifier } from "../src/webhook/WebhookVerifier.ts";

const SECRET = "whsec-test-0123456789";
const T0 = 1_760_000_000; // unix seconds

function verifierAt(seconds: { now: number }) {
  return new WebhookVerifier(SECRET, { nowMs: () => seconds.now * 1000 });
}

describe("WebhookVerifier", () => {
  it("accepts a body signed as the docs' openssl example computes it", () => {
    const body = '{"source":"team-files"}';
    // Same recipe as docs/serve.md: HMAC-SHA256 over "<t>.<raw body>", hex.
    const mac = createHmac("sha256", SECRET).update(`${T0}.${body}`).digest("hex");
    const result = verifierAt({ now: T0 }).verify(`t=${T0},v1=${mac}`, body);
    assert.deepEqual(result, { ok: true, timestamp: T0 });
  });

  it("rejects a wrong signature, a missing or malformed header with 401", () => {
    const v = verifierAt({ now: T0 });
    const body = '{"source":"a"}';
    const other = signWebhookBody("another-secret", body, T0);
    for (const header of [other, undefined, "", "t=abc,v1=00", `t=${T0}`, `v1=${"a".repeat(64)}`, `t=${T0},v1=${"a".repeat(63)}`]) {
      const result = v.verify(header, body);
      assert.equal(result.ok, false, String(header));
      if (!result.ok) assert.equal(result.status, 401, String(header));
    }
  });

  it("rejects a body changed after signing with 401", () => {
    const header = signWebhookBody(SECRET, '{"source":"a"}', T0);
    const result = verifierAt({ now: T0 }).verify(header, '{"source":"b"}');
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.status, 401);
  });

  it("rejects a timestamp more than 5 minutes old (or ahead) with 409", () => {
    const body = '{"source":"a"}';
    const clock = { now: T0 + 301 };
    const stale = verifierAt(clock).verify(signWebhookBody(SECRET, body, T0), body);
    assert.equal(stale.ok, false);
    if (!stale.ok) assert.equal(stale.status, 409);
    clock.now = T0 - 301;
    const ahead = verifierAt(clock).verify(signWebhookBody(SECRET, body, T0), body);
    assert.equal(ahead.ok, false);
    if (!ahead.ok) assert.equal(ahead.status, 409);
    clock.now = T0 + 300;
    assert.equal(verifierAt(clock).verify(signWebhookBody(SECRET, body, T0), body).ok, true);
  });

  it("rejects the same delivery twice with 409, but accepts a new timestamp", () => {
    const v = verifierAt({ now: T0 });
    const body = '{"source":"a"}';
    const header = signWebhookBody(SECRET, body, T0);
    assert.equal(v.verify(header, body).ok, true);
    const replay = v.verify(header, body);
    assert.equal(replay.ok, false);
    if (!replay.ok) assert.equal(replay.status, 409);
    assert.equal(v.verify(signWebhookBody(SECRET, body, T0 + 1), body).ok, true);
  });

  it("accepts any one matching v1 among several (secret rotation)", () => {
    const body = "{}";
    const good = signWebhookBody(SECRET, body, T0).split(",v1=")[1];
    const header = `t=${T0},v1=${"0".repeat(64)},v1=${good}`;
    assert.equal(verifierAt({ now: T0 }).verify(header, body).ok, true);
  });

  it("forgets replays once they are outside the window", () => {
    const clock = { now: T0 };
    const v = verifierAt(clock);
    for (let i = 0; i < 50; i++) assert.equal(v.verify(signWebhookBody(SECRET, `{"n":${i}}`, T0), `{"n":${i}}`).ok, true);
    clock.now = T0 + 1000;
    v.verify(signWebhookBody(SECRET, "{}", T0 + 1000), "{}");
    // @ts-expect-error -- reading the private cache size to check eviction
    assert.equal(v.replays.size, 1);
  });
});

describe("parseWebhookBody", () => {
  it("reads a source and keys", () => {
    assert.deepEqual(parseWebhookBody('{"source":"s","keys":["conn:db","var:x"]}'), {
      ok: true,
      request: {
        source: "s",
        keys: [
          { kind: "connection", id: "db" },
          { kind: "variable", id: "x" },
        ],
      },
    });
    assert.deepEqual(parseWebhookBody('{"source":"s"}'), { ok: true, request: { source: "s", keys: null } });
  });

  it("says which field is wrong", () => {
    const cases: [string, RegExp][] = [
      ["not json", /not valid JSON/],
      ['{"keys":[]}', /^source:/],
      ['{"source":"s","keys":["db"]}', /^keys\.0:/],
      ['{"source":"s","keys":[]}', /^keys: list at least one key/],
      ['{"source":"s","extra":1}', /extra|unrecognized/i],
    ];
    for (const [body, message] of cases) {
      const result = parseWebhookBody(body);
      assert.equal(result.ok, false, body);
      if (!result.ok) assert.match(result.error, message, body);
    }
  });
});
