/**
 * Runs tasks one at a time per key, in the order they asked, and concurrently across keys.
 *
 * An Astro Deployment's environment variables are one list that every update replaces whole, and
 * the API has no ETag: two read-modify-write cycles that overlap lose one side's keys. Inside one
 * process this lock makes them take turns; across processes the targets verify their write by
 * reading it back (see AstroEnvVarsTarget).
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      // The last one out leaves no entry behind, so the map does not grow with every key seen.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a task running or waiting (for tests). */
  get activeKeys(): number {
    return this.#tails.size;
  }
}

/** One lock table for the whole process: every Astro target instance writing to a Deployment shares it. */
export const astroWriteLocks = new KeyedMutex();
