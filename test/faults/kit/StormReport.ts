import type { Convergence } from "./awaitConvergence.ts";

export interface StormSize {
  readonly events: number;
  /** Connection ids and variable names each. */
  readonly keys: number;
  readonly kills: number;
}

/**
 * What every storm reports (each adds its own fields): printed as JSON by its test, except the
 * log lines and sentinels, which are for the leak check.
 */
export interface StormReport extends Convergence {
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  /** Deployment → its target type: the storms together cover every target type. */
  readonly deployments: Readonly<Record<string, string>>;
  readonly faultsInjected: Readonly<Record<string, number>>;
  readonly workerKills: { readonly midApply: number };
  /** Airflow writes that stored exactly what the key already held. */
  readonly duplicateWrites: number;
  readonly targetWriteCalls: Readonly<Record<string, number>>;
  /** Mismatches left after the reconciliations: must be 0. */
  readonly lostUpdates: number;
  readonly unownedChanged: readonly string[];
  /** What the truth held at the end: a storm that ended with empty targets would prove nothing. */
  readonly truthKeys: Readonly<Record<string, unknown>>;
  readonly deadLettered: readonly Readonly<Record<string, unknown>>[];
  readonly peakRssMb: { readonly runner: number; readonly worker: number };
  /** Log lines of every process (for the leak check; not printed). */
  readonly logLines: readonly string[];
  readonly sentinels: readonly string[];
}

/** This process's peak resident memory so far, in MB. */
export function runnerPeakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
