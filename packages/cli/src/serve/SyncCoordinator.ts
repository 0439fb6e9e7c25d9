import type { ChangeHint, Logger } from "@afsync/core";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { coalesceTriggers } from "@afsync/runtime/edge/coalesceTriggers";
import type { RunRecord, ServeStatus } from "./ServeStatus.ts";

interface Batch {
  full: boolean;
  hints: ChangeHint[];
  reasons: string[];
  /** When the first request of the batch arrived. */
  requestedAt: Date;
  waiters: ((record: RunRecord) => void)[];
}

/**
 * Runs syncs one at a time for serve. Whatever arrives while a run is in flight (file changes,
 * webhooks, the schedule) is merged into the next run by the runtime's one coalescer: hints fold
 * per secret, and a requested full reconciliation absorbs them. So a burst of edits becomes one more run, never a pile of them,
 * and two runs never write the same target at once.
 */
export class SyncCoordinator {
  private pending: Batch | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      readonly sync: (trigger: Trigger) => Promise<RunReport>;
      readonly status: ServeStatus;
      readonly now: () => Date;
      readonly logger: Logger;
      /** Called after each run, e.g. to print a one-line summary. */
      readonly onRun?: (record: RunRecord, report: RunReport | null) => void;
    },
  ) {}

  requestFull(reason: string): Promise<RunRecord> {
    return this.enqueue(reason, true, []);
  }

  requestHints(reason: string, hints: readonly ChangeHint[]): Promise<RunRecord> {
    return this.enqueue(reason, false, hints);
  }

  /** Resolves once nothing is running or queued (used by graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private enqueue(reason: string, full: boolean, hints: readonly ChangeHint[]): Promise<RunRecord> {
    return new Promise((resolve) => {
      const batch = this.pending ?? { full: false, hints: [], reasons: [], requestedAt: this.deps.now(), waiters: [] };
      batch.full ||= full;
      batch.hints.push(...hints);
      if (!batch.reasons.includes(reason)) batch.reasons.push(reason);
      batch.waiters.push(resolve);
      this.pending = batch;
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== null) {
        const batch = this.pending;
        this.pending = null;
        const record = await this.runBatch(batch);
        for (const resolve of batch.waiters) resolve(record);
      }
    } finally {
      this.running = null;
    }
  }

  private async runBatch(batch: Batch): Promise<RunRecord> {
    const trigger = coalesceTriggers([batch.full ? { kind: "full" } : { kind: "hints", hints: batch.hints }]);
    const reason = batch.reasons.join(" + ");
    const startedAt = this.deps.now();
    let report: RunReport | null = null;
    let record: RunRecord;
    try {
      report = await this.deps.sync(trigger);
      record = this.deps.status.recordRun(
        reason,
        batch.full,
        startedAt,
        this.deps.now().getTime() - startedAt.getTime(),
        { report },
        batch.requestedAt,
      );
    } catch (error) {
      // The engine isolates Deployments itself; reaching here means the run as a whole broke
      // (state store unreadable…). Serve keeps going and shows it as a problem.
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof Error && "code" in error ? String(error.code) : "RUN_FAILED";
      this.deps.logger.log("error", "run failed", { trigger: reason, code, message });
      record = this.deps.status.recordRun(
        reason,
        batch.full,
        startedAt,
        this.deps.now().getTime() - startedAt.getTime(),
        {
          error: message,
        },
        batch.requestedAt,
      );
    }
    this.deps.onRun?.(record, report);
    return record;
  }
}
