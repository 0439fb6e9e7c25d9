export interface BackpressureOptions {
  readonly high?: number;
  readonly low?: number;
  readonly timeoutMs?: number;
  /**
   * Called when the depth has not gone down for a while: a queue whose clock the storm drives
   * (the SQS emulator) lets a message group go on only once a failed or killed batch's visibility
   * timeout has passed, which no one else will make pass while the storm waits.
   */
  readonly onStall?: () => void;
}

/**
 * Holds the storm back while the sync queue holds more than a burst (`high`, 24), until it is
 * down to `low` (8): a worker applies one message per Deployment at a time, so an unpaced storm
 * would measure a backlog rather than convergence. Events still come in bursts of up to `high`.
 * Fails when the queue does not come down within `timeoutMs` (a worker that stopped applying).
 */
export async function backpressure(depth: () => Promise<number> | number, options: BackpressureOptions = {}): Promise<void> {
  const { high = 24, low = 8, timeoutMs = 180_000 } = options;
  let current = await depth();
  if (current <= high) return;
  const deadline = Date.now() + timeoutMs;
  let least = current;
  let lastProgress = Date.now();
  while (current > low) {
    if (Date.now() > deadline) throw new Error(`the sync queue stayed above ${low} messages for ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
    current = await depth();
    if (current < least) {
      least = current;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > 2_000) {
      options.onStall?.();
      lastProgress = Date.now();
    }
  }
}
