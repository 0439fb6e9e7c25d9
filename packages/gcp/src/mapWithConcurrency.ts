/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order. Bounded
 * so a full reconciliation stays inside the project's Secret Manager quotas (shared with
 * everything else in the project) instead of bursting into RESOURCE_EXHAUSTED. (The same helper
 * as @afsync/aws's: providers do not import each other.)
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
