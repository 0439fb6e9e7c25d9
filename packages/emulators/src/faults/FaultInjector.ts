/**
 * Faults an emulator can be told to produce, so tests and benchmarks can show that a client
 * retries throttling and server errors, gives up in time, and survives slow answers.
 *
 * ```ts
 * emulator.inject({ status: 429, retryAfterSeconds: 0, times: 2, operationId: "bulk_connections" });
 * emulator.inject({ status: 503, times: 1 });            // next request, whatever it is
 * emulator.inject({ latencyMs: 20, times: Infinity });   // every request from now on
 * ```
 *
 * Faults are consumed in the order they were injected; each applies to the next `times`
 * matching requests (default 1). A request takes at most one status fault, but latency faults
 * add up with it.
 */

export interface StatusFault {
  readonly status: number;
  /** Sent as `Retry-After` (seconds, as the header's delta-seconds form). */
  readonly retryAfterSeconds?: number;
  /** Response body; defaults to a `{detail}` object naming the status. */
  readonly body?: unknown;
  readonly times?: number;
  /** Only requests to this operation (the spec's `operationId`). */
  readonly operationId?: string;
}

export interface LatencyFault {
  readonly latencyMs: number;
  readonly times?: number;
  readonly operationId?: string;
}

export type Fault = StatusFault | LatencyFault;

/** What to do with one request: wait, then either answer with the fault or go on normally. */
export interface FaultDecision {
  readonly latencyMs: number;
  readonly respond?: { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: unknown };
}

interface Pending {
  readonly fault: Fault;
  remaining: number;
}

export class FaultInjector {
  readonly #pending: Pending[] = [];

  inject(fault: Fault): void {
    this.#pending.push({ fault, remaining: fault.times ?? 1 });
  }

  /** Drops every pending fault. */
  clear(): void {
    this.#pending.length = 0;
  }

  /** How many injected faults still wait to fire (a test can assert all were consumed). */
  get pendingCount(): number {
    return this.#pending.filter((p) => p.remaining > 0).length;
  }

  /** Consumes the faults that apply to a request to `operationId`. */
  next(operationId: string): FaultDecision {
    let latencyMs = 0;
    let respond: FaultDecision["respond"];
    for (const pending of this.#pending) {
      if (pending.remaining <= 0) continue;
      const { fault } = pending;
      if (fault.operationId !== undefined && fault.operationId !== operationId) continue;
      if ("latencyMs" in fault) {
        latencyMs += fault.latencyMs;
        pending.remaining -= 1;
      } else if (respond === undefined) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
        respond = { status: fault.status, headers, body: fault.body ?? { detail: defaultDetail(fault.status) } };
        pending.remaining -= 1;
      }
    }
    for (let i = this.#pending.length - 1; i >= 0; i--) if ((this.#pending[i]?.remaining ?? 0) <= 0) this.#pending.splice(i, 1);
    return respond === undefined ? { latencyMs } : { latencyMs, respond };
  }
}

function defaultDetail(status: number): string {
  if (status === 429) return "Too Many Requests";
  if (status === 502) return "Bad Gateway";
  if (status === 503) return "Service Unavailable";
  if (status === 504) return "Gateway Timeout";
  return status >= 500 ? "Internal Server Error" : "Injected fault";
}
