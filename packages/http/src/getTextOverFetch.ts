/**
 * A `GetText` over a `FetchLike`: for a caller given a transport (a proxy, a test's fake or
 * fault-injecting fetch), so that every request still goes through that one transport.
 */
import type { FetchLike } from "./FetchLike.ts";
import type { GetText } from "./GetText.ts";

export function getTextOverFetch(fetch: FetchLike): GetText {
  return async (url, headers) => {
    const response = await fetch(new Request(url, { headers }));
    return { status: response.status, header: (name) => response.headers.get(name), text: await response.text() };
  };
}
