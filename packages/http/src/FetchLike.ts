/**
 * The transport every HTTP-speaking adapter is written against: one `Request` in, one
 * `Response` out. Narrower than `fetch`, so wrappers (retries, auth) and test fakes implement
 * it without handling `fetch`'s string/URL/init overloads.
 */
export type FetchLike = (request: Request) => Promise<Response>;
