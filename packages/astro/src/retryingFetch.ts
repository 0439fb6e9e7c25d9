/**
 * A `fetch` that retries what a retry can fix: 429, 5xx and network failures, with exponential
 * backoff and full jitter, honouring `Retry-After`, and bounded both in attempts and in how long
 * one wait may be. Everything else (4xx) comes back at once for the caller to report.
 *
 * Astro publishes no numeric rate limits; its "Astro API best practices" page asks clients to
 * back off exponentially on 429 (target-apis.md §4.1). Every Astro write is a POST, so retrying
 * one is safe only because afsync's writes are idempotent (UpdateDeployment sends the whole
 * list) or detect a landed first attempt (a create answered 409, a delete answered 404).
 */

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  /** Ceiling of one computed backoff. */
  readonly maxDelayMs?: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with that answer. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
  /** Called before each wait (for logs and tests); never given a body. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; status?: number; reason: string }) => void;
}

export type FetchLike = (input: Request) => Promise<Response>;

export const DEFAULT_RETRY: Required<Omit<RetryOptions, "onRetry">> = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

export function retryingFetch(base: FetchLike, options: RetryOptions = {}): FetchLike {
  const o = { ...DEFAULT_RETRY, ...options };
  return async (input) => {
    for (let attempt = 1; ; attempt++) {
      // A Request body can be read once; each attempt sends a fresh copy.
      const request = input.clone();
      let response: Response;
      try {
        response = await base(request);
      } catch (error) {
        if (attempt >= o.maxAttempts) throw error;
        const delayMs = backoff(attempt, o);
        o.onRetry?.({ attempt, delayMs, reason: error instanceof Error ? error.message : "network error" });
        await o.sleep(delayMs);
        continue;
      }
      if (!isRetryableStatus(response.status) || attempt >= o.maxAttempts) return response;
      const retryAfter = retryAfterMs(response.headers.get("retry-after"));
      if (retryAfter !== undefined && retryAfter > o.maxRetryAfterMs) return response;
      const delayMs = retryAfter ?? backoff(attempt, o);
      await response.body?.cancel();
      o.onRetry?.({ attempt, delayMs, status: response.status, reason: `HTTP ${response.status}` });
      await o.sleep(delayMs);
    }
  };
}

/** Full jitter: a uniform wait in [0, min(cap, base·2^(attempt-1))]. */
function backoff(attempt: number, o: Required<Omit<RetryOptions, "onRetry">>): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(o.random() * ceiling);
}

/** `Retry-After` as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
