// HTTP plumbing shared by the targets that call REST APIs. Import by subpath where possible.
export type { FetchLike } from "./FetchLike.ts";
export { DEFAULT_RETRY, type RetryInfo, type RetryOptions, retryingFetch } from "./retryingFetch.ts";
