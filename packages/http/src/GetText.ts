/**
 * A GET whose answer is read whole, as text: the shape of a REST list page, which a target reads
 * thousands of times a run (a no-op of 10,000 keys × 100 Airflow Deployments asks for about
 * 20,000 pages). Narrower than `FetchLike` on purpose: no `Request`, `Response`, `Headers` or
 * body stream per call, each of which `fetch` builds (with an `AbortSignal` and its listeners)
 * and which outlived enough young collections in flight to be most of what such a run promoted
 * to V8's old generation. Wrappers (retries, auth) and test fakes implement it as they do
 * `FetchLike`.
 */
export type GetText = (url: string, headers: Readonly<Record<string, string>>) => Promise<TextAnswer>;

/** A GET's answer: its status, its headers (names in lower case) and its body, decoded as UTF-8. */
export interface TextAnswer {
  readonly status: number;
  header(name: string): string | null;
  readonly text: string;
}
