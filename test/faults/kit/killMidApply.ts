import type { SeededRandom } from "../createSeededRandom.ts";
import type { StormWorkerProcess } from "./StormWorkerProcess.ts";

/** An emulated target that can tell when the requests it received are all answered. */
export interface HoldingTarget {
  receivedRequestsAnswered(timeoutMs?: number): Promise<void>;
}

export interface KillMidApplyOptions {
  readonly random: SeededRandom;
  /** The worker to kill, once it can be (a storm may wait for it to be ready first). */
  readonly worker: () => Promise<StormWorkerProcess | undefined> | StormWorkerProcess | undefined;
  /** Slows the next target writes so an apply is in flight when the kill lands. */
  readonly slowTargets: () => void;
  /**
   * Which apply to aim at: `new`, one that starts after the targets were slowed (a worker that
   * applies one batch at a time); `any`, any still running (one that runs several at once).
   */
  readonly aim: "new" | "any";
  readonly count: (kind: string) => void;
  /**
   * Every target the worker writes to. After the kill, the next worker starts only once these have
   * answered what the dead one sent them: in the clouds, the next worker comes after the
   * redelivery delay (the SQS visibility timeout, the Azure lease, Pub/Sub's push backoff of at
   * least 10 s), which a slowed request (150 ms here) does not outlast. A storm scales those
   * delays down to milliseconds, so without this wait it would race a relation production does not
   * have; a request held longer than the delay is the bounded window docs/concepts/concurrency.md
   * describes.
   */
  readonly targets: readonly HoldingTarget[];
  /** What follows a kill landed mid-apply: checks, then the restart. */
  readonly afterKill: (killed: StormWorkerProcess, applies: readonly number[]) => Promise<void> | void;
}

/**
 * Kills the worker (SIGKILL) between an `applying` and its `done`: the targets are slowed, an
 * apply is awaited, and the kill comes a seeded random few milliseconds later. Returns 1 when it
 * landed mid-apply, 0 when every try came too late or nothing was there to apply.
 */
export async function killMidApply(options: KillMidApplyOptions): Promise<number> {
  const { random, aim } = options;
  for (let attempt = 0; attempt < 5; attempt++) {
    const worker = await options.worker();
    if (worker === undefined) return 0;
    options.slowTargets();
    const seen = worker.applying.size;
    try {
      await worker.until(() => (aim === "new" ? worker.applying.size > seen : worker.inFlight.size > 0), 5_000);
    } catch {
      return 0; // nothing to apply right now
    }
    const aimedAt = [Math.max(...worker.applying)];
    await new Promise((r) => setTimeout(r, random.below(60)));
    const running = aim === "new" ? aimedAt.filter((n) => worker.inFlight.has(n)) : [...worker.inFlight];
    if (running.length === 0) continue;
    await worker.kill();
    options.count("worker-sigkill");
    if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} killed\n`);
    await Promise.all(options.targets.map((target) => target.receivedRequestsAnswered(30_000)));
    await options.afterKill(worker, running);
    return 1;
  }
  return 0;
}

/**
 * How many kills are due by event `n` (0-based): spread evenly over the first `share` of the
 * events, so one that found nothing in flight is owed to the next event.
 */
export function killsDueBy(n: number, kills: number, events: number, share = 1): number {
  return Math.min(kills, Math.floor(((n + 1) * kills) / Math.ceil(events * share)));
}
