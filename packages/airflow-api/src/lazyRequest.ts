/**
 * `globalThis.Request`, looked up when a request is first built rather than when a client is.
 * openapi-fetch's `createClient` reads `globalThis.Request` as a default when it is constructed,
 * and Node loads its whole fetch implementation (undici) on that first read: about 10 ms of CPU
 * on a Lambda cold start, before anything is sent. Passed as createClient's `Request`, the
 * target's clients cost nothing until the first call, which loads undici anyway. (openapi-fetch
 * uses `instanceof Request` only on middleware results; afsync registers no middleware.)
 */
export const LazyRequest = function LazyRequest(input: RequestInfo | URL, init?: RequestInit): Request {
  return new globalThis.Request(input, init);
} as unknown as typeof Request;
