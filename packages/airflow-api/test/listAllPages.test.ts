import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIST_PAGES_AT_ONCE, type ListPage, listAllPages } from "../src/listAllPages.ts";

/**
 * A list endpoint over `rows` that clamps every page to `maxPage` items, as Airflow's
 * `maximum_page_limit` does, and answers each page only when the test releases it, so the
 * pages in flight at once are seen exactly (no timing involved).
 */
function listEndpoint(rows: string[], maxPage: number, pageAt: (offset: number) => number = () => maxPage) {
  const asked: number[] = [];
  const waiting: (() => void)[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const page = (offset: number): Promise<ListPage<string>> => {
    asked.push(offset);
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    return new Promise((resolve) =>
      waiting.push(() => {
        inFlight -= 1;
        resolve({ items: rows.slice(offset, offset + pageAt(offset)), total: rows.length, status: 200, error: undefined });
      }),
    );
  };
  /** Answers the oldest request still waiting, once the walk has asked for it. */
  const answerNext = async () => {
    for (let spins = 0; waiting.length === 0; spins++) {
      if (spins > 1_000) throw new Error("the walk asked for nothing more");
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    waiting.shift()?.();
  };
  return { page, asked, answerNext, mostInFlight: () => mostInFlight, waiting: () => waiting.length };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

describe("listAllPages", () => {
  it("reads every row across clamped pages, asking the pages after the first a few at once", async () => {
    const all = rows(23);
    const server = listEndpoint(all, 3);
    const walk = listAllPages("/x", server.page);
    while (server.asked.length < 8 || server.waiting() > 0) await server.answerNext();
    assert.deepEqual(await walk, all);
    assert.deepEqual(
      [...server.asked].sort((a, b) => a - b),
      [0, 3, 6, 9, 12, 15, 18, 21],
    );
    assert.equal(server.mostInFlight(), LIST_PAGES_AT_ONCE);
  });

  it("asks again from the items really returned when a page comes back short, as a page-by-page walk would", async () => {
    const all = rows(12);
    // The page at offset 3 comes back with 2 rows: the pages asked ahead at 6 and 9 are dropped.
    const server = listEndpoint(all, 3, (offset) => (offset === 3 ? 2 : 3));
    const walk = listAllPages("/x", server.page);
    while (!server.asked.includes(11) || server.waiting() > 0) await server.answerNext();
    assert.deepEqual(await walk, all);
    assert.deepEqual(server.asked.slice(0, 4), [0, 3, 6, 9]);
    assert.ok(server.asked.includes(5) && server.asked.includes(8), `walked on from 5: ${server.asked}`);
  });

  it("fails naming the endpoint and the status when a page is refused, and leaves no rejection unobserved", async () => {
    let calls = 0;
    const walk = listAllPages("/api/v2/variables", async (offset) => {
      calls += 1;
      if (offset === 0) return { items: ["a", "b"], total: 10, status: 200, error: undefined };
      if (offset === 4) return { items: [], total: 10, status: 403, error: { detail: "forbidden" } };
      return { items: ["c", "d"], total: 10, status: 200, error: undefined };
    });
    await assert.rejects(walk, /GET \/api\/v2\/variables failed: .*403/);
    assert.ok(calls >= 3);
  });

  it("reads an empty list with one call", async () => {
    let calls = 0;
    const walk = await listAllPages("/x", async () => {
      calls += 1;
      return { items: [], total: 0, status: 200, error: undefined };
    });
    assert.deepEqual(walk, []);
    assert.equal(calls, 1);
  });
});
