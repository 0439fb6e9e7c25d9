/**
 * Remembers the signatures seen in the last `windowSeconds` so a replayed request is answered 409.
 * It lives in one Lambda container, so it only catches replays that land on the same instance;
 * the queue's deduplication id is derived from the signature too, so SQS FIFO drops a replay
 * that reaches another instance within its own 5-minute deduplication window.
 */
export class ReplayGuard {
  readonly #seen = new Map<string, number>();
  readonly #windowSeconds: number;
  readonly #maxEntries: number;

  constructor(windowSeconds: number, maxEntries = 10_000) {
    this.#windowSeconds = windowSeconds;
    this.#maxEntries = maxEntries;
  }

  /** True when the signature was accepted within the window: the request is a replay. */
  seen(signature: string, nowSeconds: number): boolean {
    this.#evict(nowSeconds);
    return this.#seen.has(signature);
  }

  /** Called once the request was acted on, so a sender whose request failed may resend it as is. */
  remember(signature: string, nowSeconds: number): void {
    this.#evict(nowSeconds);
    this.#seen.set(signature, nowSeconds);
  }

  #evict(nowSeconds: number): void {
    // Map iteration is insertion order, which is time order here.
    for (const [signature, at] of this.#seen) {
      if (nowSeconds - at <= this.#windowSeconds && this.#seen.size < this.#maxEntries) break;
      this.#seen.delete(signature);
    }
  }
}
