/**
 * A `fetch` (or a `GetText`: `retryingGet`, the same policy) that retries what a retry can fix: 429 (throttled), 5xx and network failures (a
 * thrown fetch). Any other status (4xx) comes back at once, and after the last attempt the
 * final answer is returned (or the last error rethrown) as is, so the caller reports the
 * server's own message.
 *
 * Waits grow exponentially with "full jitter" (uniform between 0 and the exponential cap), so
 * many clients throttled together do not come back together. A server's `Retry-After` replaces
 * the computed wait; one longer than `maxRetryAfterMs` is either not waited for (`"return"`:
 * the answer comes back, rather than a sync sitting out a long quota window) or cut down to
 * that cap (`"clamp"`).
 *
 * `sleep`, `random` and `now` are injectable so tests run without real waits.
 */
import type { FetchLike } from "./FetchLike.ts";
import type { GetText } from "./GetText.ts";

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  /** Cap of the first retry's computed wait; doubles each retry. */
  readonly baseDelayMs?: number;
  /** Ceiling of one computed wait. */
  readonly maxDelayMs?: number;
  /** The longest `Retry-After` honoured as is (default: `maxDelayMs`). */
  readonly maxRetryAfterMs?: number;
  /** What a longer `Retry-After` gets: the answer returned at once, or a wait of `maxRetryAfterMs`. */
  readonly longRetryAfter?: "return" | "clamp";
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1): the jitter source. */
  readonly random?: () => number;
  /** The clock an HTTP-date `Retry-After` is measured against. */
  readonly now?: () => number;
  /** Told before each wait, for logs and tests; never given a body. */
  readonly onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  readonly attempt: number;
  readonly delayMs: number;
  readonly status: number | "network";
  /** `HTTP <status>`, or the network error's message. */
  readonly reason: string;
  readonly url: string;
}

export const DEFAULT_RETRY = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 8_000, longRetryAfter: "return" } as const;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function retryingFetch(inner: FetchLike, options: RetryOptions = {}): FetchLike {
  const retrying = retryLoop(options);
  return (request) =>
    retrying(
      // A Request body can be read once: every attempt sends a fresh copy, and the caller's
      // own request stays readable (the auth wrapper re-sends it after a 401). A request
      // without a body (a list page) is sent as it is: each copy is a Request and an
      // AbortSignal chained to the original's, kept until collected (40,000 list pages in a
      // no-op of 10,000 keys × 100 Deployments).
      () => inner(request.body === null ? request : request.clone()),
      (response) => response.headers.get("retry-after"),
      // Free the connection before waiting.
      async (response) => void (await response.body?.cancel().catch(() => undefined)),
      request.url,
    );
}

/** The same retries for a `GetText` (a list page read whole): its answer holds no connection to free. */
export function retryingGet(inner: GetText, options: RetryOptions = {}): GetText {
  const retrying = retryLoop(options);
  return (url, headers) =>
    retrying(
      () => inner(url, headers),
      (answer) => answer.header("retry-after"),
      async () => {},
      url,
    );
}

/**
 * The retry policy over any transport: `attempt` is called until an answer is final (a status
 * that is not retryable, the last attempt, or a `Retry-After` too long to wait for with
 * `return`); `discard` lets go of an answer that is retried.
 */
function retryLoop(options: RetryOptions) {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? maxDelayMs;
  const longRetryAfter = options.longRetryAfter ?? DEFAULT_RETRY.longRetryAfter;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;

  return async <A extends { readonly status: number }>(
    attempt: () => Promise<A>,
    retryAfterOf: (answer: A) => string | null,
    discard: (answer: A) => Promise<void>,
    url: string,
  ): Promise<A> => {
    for (let n = 1; ; n++) {
      const last = n >= maxAttempts;
      let answer: A;
      try {
        answer = await attempt();
      } catch (error) {
        if (last) throw error;
        const delayMs = backoff(n, baseDelayMs, maxDelayMs, random);
        const reason = error instanceof Error ? error.message : "network error";
        options.onRetry?.({ attempt: n, delayMs, status: "network", reason, url });
        await sleep(delayMs);
        continue;
      }
      if (last || !isRetryableStatus(answer.status)) return answer;
      const retryAfter = retryAfterMs(retryAfterOf(answer), now());
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs && longRetryAfter === "return") return answer;
      const delayMs = retryAfter === undefined ? backoff(n, baseDelayMs, maxDelayMs, random) : Math.min(retryAfter, maxRetryAfterMs);
      await discard(answer);
      options.onRetry?.({ attempt: n, delayMs, status: answer.status, reason: `HTTP ${answer.status}`, url });
      await sleep(delayMs);
    }
  };
}

/** Full jitter: uniform in [0, min(maxDelayMs, baseDelayMs · 2^(attempt-1))]. */
export function backoff(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/** `Retry-After: <seconds>` (fractions accepted) or `Retry-After: <HTTP-date>`, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
