export interface ConvergenceOptions {
  /** Until the queue and the worker are idle (nothing left to apply). */
  readonly settle: () => Promise<void>;
  /** Reads the truth and compares every target with it: the mismatches, by key. */
  readonly compare: () => Promise<string[]>;
  /** A reconciliation, for what the event path left wrong (lost events, dead letters). */
  readonly reconcile: (round: number) => Promise<unknown>;
  readonly maxRounds?: number;
}

export interface Convergence {
  /** What is still wrong after the last round: lost updates, must be empty. */
  readonly mismatches: string[];
  /** Keys the event path alone left wrong, which a reconciliation had to repair. */
  readonly mismatchesBeforeReconciliation: number;
  readonly reconciliationRounds: number;
  readonly convergenceMsAfterLastFault: number;
}

/**
 * After the last fault: settle, compare, and reconcile while anything differs, up to
 * `maxRounds` reconciliations; timed from the call (the moment of the last fault).
 */
export async function awaitConvergence(options: ConvergenceOptions): Promise<Convergence> {
  const lastFaultAt = Date.now();
  const maxRounds = options.maxRounds ?? 6;
  let rounds = 0;
  let mismatches: string[] = [];
  let before: number | undefined;
  for (; rounds < maxRounds; rounds++) {
    await options.settle();
    mismatches = await options.compare();
    before ??= mismatches.length;
    if (mismatches.length === 0) break;
    await options.reconcile(rounds);
  }
  return {
    mismatches,
    mismatchesBeforeReconciliation: before ?? 0,
    reconciliationRounds: rounds,
    convergenceMsAfterLastFault: Date.now() - lastFaultAt,
  };
}
