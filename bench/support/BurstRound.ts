/** One measured burst through a cloud's handlers and queue, as the event-burst benches report it. */
export interface BurstRound {
  readonly events: number;
  readonly ms: number;
  readonly msPerEvent: number;
  /** Times the worker function was invoked (what each cloud's trigger delivered to it). */
  readonly workerInvocations: number;
  /** Runs of the engine (`sync done` log lines); 0 for the no-op pipeline. */
  readonly engineRuns: number;
  /** Write and read calls on the measured Deployment's Airflow API. */
  readonly targetWrites: number;
  readonly targetReads: number;
  /** Calls to the secrets manager. */
  readonly providerCalls: number;
}
