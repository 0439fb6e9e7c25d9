/**
 * Wall times on a shared machine are noisy: the no-op pipeline and afsync are alternated `rounds`
 * times and, for each, the round with the median time is kept, so a burst of load elsewhere
 * falls on both or on neither.
 */
export async function alternatedRounds<T extends { ms: number }>(
  measure: (pipeline: "afsync" | "noop") => Promise<T>,
  rounds = 3,
): Promise<{ afsync: T; noop: T }> {
  const afsync: T[] = [];
  const noop: T[] = [];
  for (let i = 0; i < rounds; i++) {
    noop.push(await measure("noop"));
    afsync.push(await measure("afsync"));
  }
  return { afsync: medianByTime(afsync), noop: medianByTime(noop) };
}

function medianByTime<T extends { ms: number }>(rounds: readonly T[]): T {
  const mid = [...rounds].sort((a, b) => a.ms - b.ms)[Math.floor(rounds.length / 2)];
  if (mid === undefined) throw new Error("no rounds");
  return mid;
}
