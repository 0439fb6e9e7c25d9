/**
 * Reads a whole Airflow list endpoint (`/connections`, `/variables`, on v1 and v2 alike) page by
 * page. The server clamps `limit` to `[api] maximum_page_limit`, so paging follows
 * `total_entries` and the items actually returned, never the asked-for page size; an empty page
 * ends the walk too, in case entries vanish while it runs.
 */
import { RemoteCallError } from "@afsync/core";
import { serverMessage } from "./serverMessage.ts";

/** One page as the caller read it: its items, the server's `total_entries`, and any error body. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly total: number;
  readonly status: number;
  readonly error: unknown;
}

export async function listAllPages<T>(label: string, page: (offset: number) => Promise<ListPage<T>>): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; ) {
    const { items, total, status, error } = await page(offset).catch((cause: unknown) => {
      // No answer at all (the retries gave up on the network): worth another sync later.
      throw new RemoteCallError(`GET ${label} failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
        cause,
        errorClass: "transient",
      });
    });
    if (error !== undefined) throw new RemoteCallError(`GET ${label} failed: ${serverMessage(status, error)}`, { status });
    out.push(...items);
    offset += items.length;
    if (items.length === 0 || offset >= total) return out;
  }
}
