import type { SeededRandom } from "../createSeededRandom.ts";

/**
 * What the storm does to the change events on their way to the producers, as a delivery service
 * at least once and unordered would: of each event (or batch) 5% lost, 15% delivered twice, 15%
 * held back and delivered later in reverse order, the rest delivered. Lost ones are for the
 * reconciliation to catch.
 */
export class EventFaults<T> {
  readonly #heldBack: T[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly deliver: (items: readonly T[]) => Promise<void>,
    private readonly count: (kind: string) => void,
  ) {}

  /** One event's (or one batch's) fate; `roll` when the storm drew it already. */
  async offer(items: readonly T[], roll = this.random.next()): Promise<void> {
    if (roll < 0.05) this.count("event-lost");
    else if (roll < 0.2) {
      this.count("event-duplicated");
      await this.deliver(items);
      await this.deliver(items);
    } else if (roll < 0.35) {
      this.count("event-reordered");
      this.#heldBack.push(...items);
    } else await this.deliver(items);
  }

  /** 30% of the time, what was held back goes now, newest first. */
  async maybeRelease(): Promise<void> {
    if (this.#heldBack.length > 0 && this.random.next() < 0.3) await this.releaseAll();
  }

  /** Whatever is still held back, newest first (the end of the storm). */
  async releaseAll(): Promise<void> {
    if (this.#heldBack.length > 0) await this.deliver(this.#heldBack.splice(0).reverse());
  }
}
