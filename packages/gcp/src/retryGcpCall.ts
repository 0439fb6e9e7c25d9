import { isTransientGcpError } from "./gcpCallFailure.ts";

export interface GcpRetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Backoff for Secret Manager's per-project quotas (access 90,000/min, read — list and get —
 * 600/min): a full minute's quota refills within the last delays, so six tries ride out a burst.
 */
export const DEFAULT_GCP_RETRY: GcpRetryPolicy = { attempts: 6, baseDelayMs: 250, maxDelayMs: 16_000 };

/**
 * Runs a read with exponential backoff and full jitter on RESOURCE_EXHAUSTED, UNAVAILABLE and
 * DEADLINE_EXCEEDED. afsync turns google-gax's own retries off (`retry: null`) and retries here
 * instead: gax retries AccessSecretVersion from 2 s up but never retries ListSecrets, and one
 * policy for every call is easier to reason about than two stacked ones.
 */
export async function retryGcpCall<T>(call: () => Promise<T>, policy: GcpRetryPolicy = DEFAULT_GCP_RETRY): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= policy.attempts || !isTransientGcpError(err)) throw err;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
