/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order. Vault
 * has no batch read, so a full read is one GET per secret; bounded so it stays inside an
 * operator's rate-limit quotas instead of bursting into 429s.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
