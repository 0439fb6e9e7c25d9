/**
 * Reads a whole Airflow list endpoint (`/connections`, `/variables`, on v1 and v2 alike) page by
 * page. The server clamps `limit` to `[api] maximum_page_limit`, so paging follows
 * `total_entries` and the items actually returned, never the asked-for page size; an empty page
 * ends the walk too, in case entries vanish while it runs.
 *
 * Offset paging needs no token from the previous page, so once page 1 has told the page size the
 * server really uses and `total_entries`, the next LIST_PAGES_AT_ONCE pages are asked for at once
 * (a 10,000-entry list at 100 a page is 1 + ceil(99 / 4) round trips instead of 100). Pages are
 * still consumed in order: a page that comes back short (entries vanished meanwhile) makes the
 * offsets asked ahead wrong, so they are dropped and the walk goes on from the items really seen,
 * exactly as a page-by-page walk would.
 */
import { RemoteCallError } from "@afsync/core";
import { serverMessage } from "./serverMessage.ts";

/** Pages of one list in flight at once after the first: few, so a big list does not flood the webserver. */
export const LIST_PAGES_AT_ONCE = 4;

/** One page as the caller read it: its items, the server's `total_entries`, and any error body. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly status: number;
  readonly error: unknown;
}

export async function listAllPages<T>(label: string, page: (offset: number) => Promise<ListPage<T>>): Promise<T[]> {
  const fetchPage = (offset: number) =>
    page(offset).then(
      (answer) => {
        if (answer.error !== undefined)
          throw new RemoteCallError(`GET ${label} failed: ${serverMessage(answer.status, answer.error)}`, { status: answer.status });
        return answer;
      },
      (cause: unknown) => {
        // No answer at all (the retries gave up on the network): worth another sync later.
        throw new RemoteCallError(`GET ${label} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
          errorClass: "transient",
        });
      },
    );
  const out: T[] = [];
  /** Pages asked ahead, by offset, in order; each assumes every page before it comes back full. */
  let ahead: { offset: number; answer: Promise<ListPage<T>> }[] = [];
  const dropAhead = () => {
    // Asked and never used: must not reject unobserved.
    for (const { answer } of ahead) answer.catch(() => {});
    ahead = [];
  };
  let pageSize = 0;
  try {
    for (let offset = 0; ; ) {
      const next = ahead[0]?.offset === offset ? ahead.shift() : undefined;
      if (next === undefined) dropAhead();
      const { items, total } = await (next?.answer ?? fetchPage(offset));
      out.push(...items);
      offset += items.length;
      if (items.length === 0 || offset >= total) return out;
      // The first page sets the page size the server really gives; a short one voids what was asked ahead.
      if (next === undefined || items.length !== pageSize) {
        dropAhead();
        pageSize = items.length;
      }
      let ask = ahead.length === 0 ? offset : (ahead[ahead.length - 1] as { offset: number }).offset + pageSize;
      while (ahead.length < LIST_PAGES_AT_ONCE && ask < total) {
        ahead.push({ offset: ask, answer: fetchPage(ask) });
        ask += pageSize;
      }
    }
  } finally {
    dropAhead();
  }
}
