/**
 * A `fetch` that retries what a retry can fix: 429 (throttled) and 5xx answers, and network
 * failures. Delays grow exponentially with "full jitter" (a random wait between 0 and the
 * exponential cap, so many clients throttled together do not come back together), and a
 * server's `Retry-After` (seconds or an HTTP date) replaces the computed delay, bounded by
 * `maxDelayMs`. Attempts are bounded; after the last one the final answer is returned as is,
 * so the caller reports the server's own message. Any other status (4xx) is returned at once.
 *
 * `sleep` and `random` are injectable so tests run without real waits.
 */

export type FetchLike = (request: Request) => Promise<Response>;

export interface RetryOptions {
  /** Total attempts, the first included (default 5). */
  readonly maxAttempts?: number;
  /** Cap of the first retry's delay; doubles each retry (default 200 ms). */
  readonly baseDelayMs?: number;
  /** No single wait is longer than this, `Retry-After` included (default 10 s). */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1): the jitter source. */
  readonly random?: () => number;
  /** Told about each retry (for logs: status and delay only, never the request body). */
  readonly onRetry?: (info: {
    readonly attempt: number;
    readonly status: number | "network";
    readonly delayMs: number;
    readonly url: string;
  }) => void;
}

export const DEFAULT_RETRY = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 } as const;

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function createRetryingFetch(inner: FetchLike, options: RetryOptions = {}): FetchLike {
  const maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_RETRY.maxAttempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;

  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= maxAttempts;
      let response: Response;
      try {
        // A Request body can be read once: every attempt sends a fresh clone.
        response = await inner(last ? request : request.clone());
      } catch (error) {
        if (last) throw error;
        const delayMs = backoff(attempt, baseDelayMs, maxDelayMs, random);
        options.onRetry?.({ attempt, status: "network", delayMs, url: request.url });
        await sleep(delayMs);
        continue;
      }
      if (last || !isRetryableStatus(response.status)) return response;
      const delayMs = retryAfterMs(response.headers.get("retry-after"), maxDelayMs) ?? backoff(attempt, baseDelayMs, maxDelayMs, random);
      // Free the connection before waiting.
      await response.body?.cancel().catch(() => undefined);
      options.onRetry?.({ attempt, status: response.status, delayMs, url: request.url });
      await sleep(delayMs);
    }
  };
}

/** Full jitter: uniform in [0, min(max, base · 2^(attempt-1))]. */
export function backoff(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

/** `Retry-After: <seconds>` or `Retry-After: <HTTP-date>`, in ms, bounded; null when absent or unreadable. */
export function retryAfterMs(header: string | null, maxDelayMs: number, now: () => number = Date.now): number | null {
  if (header === null || header.trim() === "") return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(maxDelayMs, Math.round(seconds * 1000));
  const at = Date.parse(header);
  if (Number.isNaN(at)) return null;
  return Math.min(maxDelayMs, Math.max(0, at - now()));
}
