import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoff, createRetryingFetch, retryAfterMs } from "../src/retryingFetch.ts";

/** A scripted transport: answers with the given statuses in order and records what it got. */
function scripted(answers: (number | Error | { status: number; retryAfter: string })[]) {
  const seen: string[] = [];
  const fetch = async (request: Request) => {
    seen.push(await request.text());
    const next = answers.shift() ?? 200;
    if (next instanceof Error) throw next;
    const { status, retryAfter } = typeof next === "number" ? { status: next, retryAfter: undefined } : next;
    return new Response(status === 204 ? null : JSON.stringify({ status }), {
      status,
      headers: retryAfter ? { "retry-after": retryAfter } : {},
    });
  };
  return { fetch, seen };
}

describe("createRetryingFetch", () => {
  it("retries 429 and 5xx with the same body until an answer succeeds", async () => {
    const t = scripted([429, 503, 500, 200]);
    const waits: number[] = [];
    const retrying = createRetryingFetch(t.fetch, { sleep: async (ms) => void waits.push(ms), random: () => 0.5, baseDelayMs: 100 });
    const res = await retrying(new Request("http://127.0.0.1/x", { method: "POST", body: "payload" }));
    assert.equal(res.status, 200);
    assert.deepEqual(t.seen, ["payload", "payload", "payload", "payload"]);
    assert.deepEqual(waits, [50, 100, 200], "full jitter over an exponential cap");
  });

  it("returns a 4xx at once", async () => {
    const t = scripted([400, 200]);
    const res = await createRetryingFetch(t.fetch, { sleep: async () => {} })(new Request("http://127.0.0.1/x"));
    assert.equal(res.status, 400);
    assert.equal(t.seen.length, 1);
  });

  it("gives up after maxAttempts and hands back the last answer", async () => {
    const t = scripted([503, 503, 503, 503]);
    const res = await createRetryingFetch(t.fetch, { maxAttempts: 3, sleep: async () => {} })(new Request("http://127.0.0.1/x"));
    assert.equal(res.status, 503);
    assert.equal(t.seen.length, 3);
  });

  it("waits what Retry-After says, bounded by maxDelayMs", async () => {
    const t = scripted([{ status: 429, retryAfter: "2" }, { status: 429, retryAfter: "3600" }, 200]);
    const waits: number[] = [];
    await createRetryingFetch(t.fetch, { maxDelayMs: 5000, sleep: async (ms) => void waits.push(ms) })(new Request("http://127.0.0.1/x"));
    assert.deepEqual(waits, [2000, 5000]);
  });

  it("retries network failures and rethrows the last one", async () => {
    const t = scripted([new TypeError("fetch failed"), 200]);
    assert.equal((await createRetryingFetch(t.fetch, { sleep: async () => {} })(new Request("http://127.0.0.1/x"))).status, 200);
    const down = scripted([new TypeError("fetch failed"), new TypeError("fetch failed")]);
    await assert.rejects(
      createRetryingFetch(down.fetch, { maxAttempts: 2, sleep: async () => {} })(new Request("http://127.0.0.1/x")),
      /fetch failed/,
    );
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

  it("reads both header forms and ignores garbage", () => {
    const now = () => Date.parse("2026-01-01T00:00:00Z");
    assert.equal(retryAfterMs("1.5", 10_000, now), 1500);
    assert.equal(retryAfterMs("Thu, 01 Jan 2026 00:00:03 GMT", 10_000, now), 3000);
    assert.equal(retryAfterMs("soon", 10_000, now), null);
    assert.equal(retryAfterMs(null, 10_000, now), null);
  });
});
