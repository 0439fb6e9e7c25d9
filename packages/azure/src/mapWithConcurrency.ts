/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order. Key Vault
 * reads one secret per call, so a reconciliation is bounded here to stay inside the vault's
 * shared 4,000 transactions per 10 s instead of bursting into throttling.
 */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
