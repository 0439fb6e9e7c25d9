import type { AirflowKey, ApplyOutcome, ApplyRequest, DeploymentTarget, KeyProblem, TargetSnapshot } from "@afsync/core";

/**
 * Runs several sync parties so that exactly one of them moves at a time between gates, and the
 * order is chosen by the caller (a fixed script or a seeded random pick). A party stops at a
 * gate before each target read and each target apply (`GatedTarget`); the scheduler waits until
 * every unfinished party stands at a gate or has finished, then lets one through. So a party
 * can be held between its read and its write while others run, and a seed replays the same
 * interleaving exactly, whatever the machine's load.
 */
export class TurnScheduler {
  readonly #waiting = new Map<string, { phase: string; go: () => void }>();
  readonly #running = new Set<string>();
  #changed: () => void = () => {};
  /** Every step taken, `party:phase`, for a failure message that shows the interleaving. */
  readonly trace: string[] = [];

  /** A party's gate: resolves when the scheduler gives it the turn. */
  gate(party: string, phase: string): Promise<void> {
    return new Promise((resolve) => {
      this.#waiting.set(party, { phase, go: resolve });
      this.#changed();
    });
  }

  /**
   * Starts each party and hands out turns with `choose` (given the waiting parties, in name
   * order, with the phase each waits before) until all have finished. Returns their results.
   */
  async run<T>(
    parties: Readonly<Record<string, () => Promise<T>>>,
    choose: (waiting: readonly { party: string; phase: string }[]) => string,
  ): Promise<Record<string, T>> {
    const results: Record<string, T> = {};
    const failures: unknown[] = [];
    for (const [name, start] of Object.entries(parties)) {
      this.#running.add(name);
      void this.gate(name, "start")
        .then(start)
        .then(
          (r) => {
            results[name] = r;
          },
          (e: unknown) => failures.push(e),
        )
        .finally(() => {
          this.#running.delete(name);
          this.#changed();
        });
    }
    for (;;) {
      await this.#settled();
      if (this.#running.size === 0) break;
      const waiting = [...this.#waiting].map(([party, w]) => ({ party, phase: w.phase })).sort((a, b) => (a.party < b.party ? -1 : 1));
      const party = choose(waiting);
      const turn = this.#waiting.get(party);
      if (turn === undefined) throw new Error(`${party} is not waiting at a gate (waiting: ${waiting.map((w) => w.party).join(", ")})`);
      this.#waiting.delete(party);
      this.trace.push(`${party}:${turn.phase}`);
      turn.go();
    }
    if (failures.length > 0) throw failures[0];
    return results;
  }

  /** Until every running party is at a gate (or none runs). */
  async #settled(): Promise<void> {
    while ([...this.#running].some((p) => !this.#waiting.has(p))) {
      await new Promise<void>((resolve) => {
        this.#changed = resolve;
      });
    }
  }
}

/** A target whose reads and applies each wait for the party's turn first. */
export class GatedTarget implements DeploymentTarget {
  readonly type: string;
  readonly describe: string;
  readonly layer: DeploymentTarget["layer"];
  readonly capabilities: DeploymentTarget["capabilities"];
  readonly localFiles: readonly string[] | undefined;
  readonly claimScope: string | undefined;

  constructor(
    private readonly inner: DeploymentTarget,
    private readonly party: string,
    private readonly turns: TurnScheduler,
  ) {
    this.type = inner.type;
    this.describe = inner.describe;
    this.layer = inner.layer;
    this.capabilities = inner.capabilities;
    this.localFiles = inner.localFiles;
    this.claimScope = inner.claimScope;
  }

  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return this.inner.checkKeys?.(keys) ?? [];
  }

  async read(): Promise<TargetSnapshot> {
    await this.turns.gate(this.party, "read");
    return this.inner.read();
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    await this.turns.gate(this.party, "apply");
    return this.inner.apply(request);
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
