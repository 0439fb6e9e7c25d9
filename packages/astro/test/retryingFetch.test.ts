import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retryAfterMs, retryingFetch } from "../src/retryingFetch.ts";

function scripted(statuses: (number | Error)[], headers: Record<string, string> = {}) {
  const bodies: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    bodies.push(await request.text());
    const next = statuses.shift() ?? 200;
    if (next instanceof Error) throw next;
    return new Response(JSON.stringify({ message: `status ${next}` }), { status: next, headers });
  };
  return { fetch, bodies };
}

const post = () => new Request("http://127.0.0.1/x", { method: "POST", body: '{"a":1}' });

describe("retryingFetch", () => {
  it("retries 429 and 5xx and re-sends the body each time", async () => {
    const waits: number[] = [];
    const { fetch, bodies } = scripted([429, 500, 503, 200]);
    const res = await retryingFetch(fetch, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 })(post());
    assert.equal(res.status, 200);
    assert.deepEqual(bodies, ['{"a":1}', '{"a":1}', '{"a":1}', '{"a":1}']);
    assert.deepEqual(waits, [125, 250, 500], "full jitter: half of base·2^(n-1) with random 0.5");
  });

  it("returns a 4xx at once", async () => {
    const { fetch, bodies } = scripted([400]);
    const res = await retryingFetch(fetch, { sleep: async () => {} })(post());
    assert.equal(res.status, 400);
    assert.equal(bodies.length, 1);
  });

  it("honours Retry-After and gives up after maxAttempts with the last answer", async () => {
    const waits: number[] = [];
    const { fetch, bodies } = scripted([429, 429, 429], { "retry-after": "3" });
    const res = await retryingFetch(fetch, { maxAttempts: 3, sleep: async (ms) => void waits.push(ms) })(post());
    assert.equal(res.status, 429);
    assert.equal(bodies.length, 3);
    assert.deepEqual(waits, [3000, 3000]);
  });

  it("does not wait for a Retry-After beyond its ceiling", async () => {
    const { fetch, bodies } = scripted([503], { "retry-after": "3600" });
    const res = await retryingFetch(fetch, { sleep: async () => assert.fail("must not sleep") })(post());
    assert.equal(res.status, 503);
    assert.equal(bodies.length, 1);
  });

  it("retries network errors, then rethrows the last one", async () => {
    const { fetch } = scripted([new TypeError("fetch failed"), new TypeError("fetch failed")]);
    await assert.rejects(retryingFetch(fetch, { maxAttempts: 2, sleep: async () => {} })(post()), /fetch failed/);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    assert.equal(retryAfterMs("2"), 2000);
    assert.equal(retryAfterMs("Wed, 25 Nov 2026 12:00:10 GMT", Date.parse("Wed, 25 Nov 2026 12:00:00 GMT")), 10_000);
    assert.equal(retryAfterMs("soon"), undefined);
    assert.equal(retryAfterMs(null), undefined);
  });
});
