/**
 * One page of an Airflow list endpoint (`/connections`, `/variables`), read through a `GetText`
 * rather than the typed client: a run reads thousands of pages (a no-op of 10,000 keys × 100
 * Deployments about 20,000), and the client builds a `Request`, a `Response` and a body stream
 * for each (see `@afsync/http/GetText`). What it gives the list walk is what the client gave:
 * the parsed body of a 2xx, or the server's error body (parsed where it is JSON) with the status.
 *
 * One difference, on purpose: an error status with an empty body is an error here (`""`), where
 * the client answered `error: undefined` and the walk took it for an empty last page.
 */
import type { GetText } from "@afsync/http/GetText";

export interface ListPageAnswer<T> {
  readonly status: number;
  /** The page as the server sent it (typed from the spec, like the client's `data`); absent for an empty 2xx body. */
  readonly data?: T;
  readonly error?: unknown;
}

/** `GET {path}?limit={limit}&offset={offset}`, as the typed client spelled it. */
export type ListPageGet = <T>(path: string, offset: number) => Promise<ListPageAnswer<T>>;

export function listPageGet(get: GetText, rootUrl: string, limit: number): ListPageGet {
  return async <T>(path: string, offset: number): Promise<ListPageAnswer<T>> => {
    const { status, text } = await get(`${rootUrl}${path}?limit=${limit}&offset=${offset}`, ACCEPT_JSON);
    // A body that is not JSON rejects, as the client's `response.json()` did: a failed call, not an empty page.
    if (status >= 200 && status < 300) return text === "" ? { status } : { status, data: JSON.parse(text) as T };
    let error: unknown = text;
    try {
      error = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's HTML page): the text itself is the server's message.
    }
    return { status, error };
  };
}

const ACCEPT_JSON = { accept: "application/json" } as const;
