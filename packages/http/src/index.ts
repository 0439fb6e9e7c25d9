// HTTP plumbing shared by the targets that call REST APIs. Import by subpath where possible.
export type { FetchLike } from "./FetchLike.ts";
export type { GetText, TextAnswer } from "./GetText.ts";
export { getTextOverFetch } from "./getTextOverFetch.ts";
export { createNodeHttpGet } from "./nodeHttpGet.ts";
export { DEFAULT_RETRY, type RetryInfo, type RetryOptions, retryingFetch, retryingGet } from "./retryingFetch.ts";
