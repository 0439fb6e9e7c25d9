import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoff, type RetryInfo, retryAfterMs, retryingFetch } from "../src/retryingFetch.ts";

type Answer = number | Error | { status: number; retryAfter: string };

/** A scripted transport: answers in order (200 once the script runs out) and records each body it got. */
function scripted(answers: Answer[], headers: Record<string, string> = {}) {
  const seen: string[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    seen.push(await request.text());
    const next = answers.shift() ?? 200;
    if (next instanceof Error) throw next;
    const { status, retryAfter } = typeof next === "number" ? { status: next, retryAfter: undefined } : next;
    return new Response(JSON.stringify({ message: `status ${status}` }), {
      status,
      headers: retryAfter === undefined ? headers : { ...headers, "retry-after": retryAfter },
    });
  };
  return { fetch, seen };
}

const post = () => new Request("http://127.0.0.1/x", { method: "POST", body: '{"a":1}' });
const noWait = async () => {};

describe("retryingFetch", () => {
  it("retries 429 and 5xx and re-sends the same body each time", async () => {
    const t = scripted([429, 503, 500, 200]);
    const waits: number[] = [];
    const res = await retryingFetch(t.fetch, { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 100 })(post());
    assert.equal(res.status, 200);
    assert.deepEqual(t.seen, ['{"a":1}', '{"a":1}', '{"a":1}', '{"a":1}']);
    assert.deepEqual(waits, [50, 100, 200], "full jitter over an exponential cap");
  });

  it("waits full jitter over base·2^(n-1) with the default base", async () => {
    const t = scripted([429, 500, 503, 200]);
    const waits: number[] = [];
    const res = await retryingFetch(t.fetch, { sleep: async (ms) => void waits.push(ms), random: () => 0.5 })(post());
    assert.equal(res.status, 200);
    assert.deepEqual(waits, [125, 250, 500], "full jitter: half of base·2^(n-1) with random 0.5");
  });

  it("returns a 4xx at once", async () => {
    const t = scripted([400, 200]);
    const res = await retryingFetch(t.fetch, { sleep: noWait })(post());
    assert.equal(res.status, 400);
    assert.equal(t.seen.length, 1);
  });

  it("gives up after maxAttempts and hands back the last answer", async () => {
    const t = scripted([503, 503, 503, 503]);
    const res = await retryingFetch(t.fetch, { maxAttempts: 3, sleep: noWait })(post());
    assert.equal(res.status, 503);
    assert.equal(t.seen.length, 3);
  });

  it("honours Retry-After and gives up after maxAttempts with the last answer", async () => {
    const waits: number[] = [];
    const t = scripted([429, 429, 429], { "retry-after": "3" });
    const res = await retryingFetch(t.fetch, { maxAttempts: 3, sleep: async (ms) => void waits.push(ms) })(post());
    assert.equal(res.status, 429);
    assert.equal(t.seen.length, 3);
    assert.deepEqual(waits, [3000, 3000]);
  });

  it("does not wait for a Retry-After beyond its ceiling", async () => {
    const t = scripted([503], { "retry-after": "3600" });
    const res = await retryingFetch(t.fetch, { sleep: async () => assert.fail("must not sleep") })(post());
    assert.equal(res.status, 503);
    assert.equal(t.seen.length, 1);
  });

  it("waits a long Retry-After cut down to maxDelayMs when told to clamp it", async () => {
    const t = scripted([{ status: 429, retryAfter: "2" }, { status: 429, retryAfter: "3600" }, 200]);
    const waits: number[] = [];
    await retryingFetch(t.fetch, { maxDelayMs: 5000, longRetryAfter: "clamp", sleep: async (ms) => void waits.push(ms) })(post());
    assert.deepEqual(waits, [2000, 5000]);
  });

  it("retries network failures and rethrows the last one", async () => {
    const t = scripted([new TypeError("fetch failed"), 200]);
    assert.equal((await retryingFetch(t.fetch, { sleep: noWait })(post())).status, 200);
    const down = scripted([new TypeError("fetch failed"), new TypeError("fetch failed")]);
    await assert.rejects(retryingFetch(down.fetch, { maxAttempts: 2, sleep: noWait })(post()), /fetch failed/);
  });

  it("tells onRetry the status and the wait, never the body", async () => {
    const t = scripted([503, new TypeError("fetch failed"), 200]);
    const told: RetryInfo[] = [];
    await retryingFetch(t.fetch, { sleep: noWait, random: () => 0, onRetry: (info) => void told.push(info) })(post());
    assert.deepEqual(told, [
      { attempt: 1, delayMs: 0, status: 503, reason: "HTTP 503", url: "http://127.0.0.1/x" },
      { attempt: 2, delayMs: 0, status: "network", reason: "fetch failed", url: "http://127.0.0.1/x" },
    ]);
  });
});

describe("backoff and retryAfterMs", () => {
  it("caps the exponential delay at maxDelayMs", () => {
    assert.equal(
      backoff(1, 200, 10_000, () => 0.999),
      199,
    );
    assert.equal(
      backoff(20, 200, 10_000, () => 0.999),
      9990,
    );
  });

  it("reads Retry-After as seconds or an HTTP date and ignores garbage", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterMs("2"), 2000);
    assert.equal(retryAfterMs("1.5", now), 1500);
    assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", now), 3000);
    assert.equal(retryAfterMs("Wed, 25 Nov 2026 12:00:10 GMT", Date.parse("Wed, 25 Nov 2026 12:00:00 GMT")), 10_000);
    assert.equal(retryAfterMs("soon", now), undefined);
    assert.equal(retryAfterMs(null, now), undefined);
  });

  it("measures an HTTP-date Retry-After against the injected clock", async () => {
    const t = scripted([{ status: 503, retryAfter: "Thu, 01 Jan 2026 00:00:03 GMT" }, 200]);
    const waits: number[] = [];
    const now = () => Date.parse("2026-01-01T00:00:00Z");
    await retryingFetch(t.fetch, { now, sleep: async (ms) => void waits.push(ms) })(post());
    assert.deepEqual(waits, [3000]);
  });
});
