/**
 * The most messages one fold may still lease, shared by the Pulls of a group's members made at
 * once: a Pull asks only for what it reserved first, so together they never lease more than the
 * fold's cap, and what a short page did not use goes back for the others' next pages.
 */
export class PullBudget {
  #left: number;

  constructor(max: number) {
    this.#left = Math.max(0, max);
  }

  /** Up to `wanted` messages taken from what is left (0: the cap is reached). */
  reserve(wanted: number): number {
    const taken = Math.min(wanted, this.#left);
    this.#left -= taken;
    return taken;
  }

  /** Gives back what a Pull reserved and did not lease. */
  release(unused: number): void {
    this.#left += unused;
  }
}
