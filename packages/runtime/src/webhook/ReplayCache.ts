/**
 * Signatures already accepted, remembered for as long as their timestamp is within the
 * tolerance window: after that the freshness check rejects a replay on its own, so the entry can
 * go. Memory is bounded by the rate of accepted deliveries over that window.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** Records `id` (seen at `nowMs`, carrying timestamp `timestampMs`); false when it was already there. */
  remember(id: string, timestampMs: number, nowMs: number): boolean {
    this.evict(nowMs);
    if (this.seen.has(id)) return false;
    this.seen.set(id, timestampMs + this.windowMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private evict(nowMs: number): void {
    for (const [id, expiresAt] of this.seen) if (expiresAt < nowMs) this.seen.delete(id);
  }
}
