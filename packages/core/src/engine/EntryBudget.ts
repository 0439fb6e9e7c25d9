/**
 * Admits work by its size (target entries plus state records), so that what a run holds at once
 * is bounded by memory rather than by a count: Deployments of 1,000 keys go as many at once as
 * the count allows, Deployments of 10,000 fewer. Whatever its size, one piece of work is always
 * admitted when nothing else is in flight, so a Deployment larger than the budget still runs
 * (alone). Admitted in the order asked, so a large piece is not passed over forever.
 */
export class EntryBudget {
  readonly #limit: number;
  #inFlight = 0;
  #running = 0;
  readonly #waiting: { readonly size: number; readonly admit: () => void }[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Waits until `size` fits; returns the release, to be called once the work's memory is let go. */
  async admit(size: number): Promise<() => void> {
    if (this.#waiting.length > 0 || !this.#fits(size)) await new Promise<void>((admit) => this.#waiting.push({ size, admit }));
    else this.#take(size);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight -= size;
      this.#running -= 1;
      this.#admitWaiting();
    };
  }

  #fits(size: number): boolean {
    return this.#running === 0 || this.#inFlight + size <= this.#limit;
  }

  #take(size: number): void {
    this.#inFlight += size;
    this.#running += 1;
  }

  #admitWaiting(): void {
    for (let next = this.#waiting[0]; next !== undefined && this.#fits(next.size); next = this.#waiting[0]) {
      this.#waiting.shift();
      this.#take(next.size);
      next.admit();
    }
  }
}
