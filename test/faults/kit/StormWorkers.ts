import type { StormWorkerProcess } from "./StormWorkerProcess.ts";

export interface StormWorkersOptions {
  /** Starts one worker process (not yet told to work when `activation` is set). */
  readonly spawn: () => StormWorkerProcess;
  /**
   * The line that makes a warm standby start working. Set, a standby is started while the
   * current worker works (as Cloud Run or the Functions host keep an instance warm), so a kill
   * costs no cold start; unset, each worker works from its start and none is kept warm.
   */
  readonly activation?: string;
}

/**
 * The storm's worker processes over a run: the current one, the warm standby that takes over
 * when it is killed, and what all of them said (summed when each is retired).
 */
export class StormWorkers {
  current: StormWorkerProcess | undefined;
  #standby: StormWorkerProcess | undefined;
  readonly #retired = new Set<StormWorkerProcess>();
  #redelivered = 0;
  #peakRssMb = 0;

  constructor(private readonly options: StormWorkersOptions) {}

  /**
   * Makes the standby (or a new process) the current worker and tells it to work; with
   * `spareNeeded`, a new standby warms up behind it. The old current one is retired.
   */
  start(spareNeeded: boolean): StormWorkerProcess {
    if (this.current !== undefined) this.retire(this.current);
    const worker = this.#standby ?? this.options.spawn();
    this.current = worker;
    if (this.options.activation !== undefined) worker.tell(this.options.activation);
    this.#standby = spareNeeded && this.options.activation !== undefined ? this.options.spawn() : undefined;
    return worker;
  }

  /** Starts a standby now when none is warming (after a first start made without one). */
  warmStandby(): void {
    if (this.#standby === undefined && this.options.activation !== undefined) this.#standby = this.options.spawn();
  }

  /** Counts what a worker said into the totals, once. */
  retire(worker: StormWorkerProcess): void {
    if (this.#retired.has(worker)) return;
    this.#retired.add(worker);
    this.#redelivered += worker.redelivered;
    this.#peakRssMb = Math.max(this.#peakRssMb, worker.peakRssMb);
  }

  /** Messages handed out again, over every worker so far (the current one included). */
  get redelivered(): number {
    return this.#redelivered + (this.current !== undefined && !this.#retired.has(this.current) ? this.current.redelivered : 0);
  }

  get peakRssMb(): number {
    return Math.max(this.#peakRssMb, this.current?.peakRssMb ?? 0);
  }

  /** The current worker once it said `ready`; one that exits first fails the storm. */
  async ready(ms = 60_000): Promise<StormWorkerProcess> {
    const worker = this.current;
    if (worker === undefined) throw new Error("no storm worker is running");
    await worker
      .until(() => worker.ready, ms)
      .catch(() => {
        throw new Error("the storm worker exited or hung at start; see its log lines");
      });
    return worker;
  }

  /** Kills every process still running (the end of a storm, or its failure). */
  async stop(): Promise<void> {
    await this.current?.kill();
    await this.#standby?.kill();
  }
}
