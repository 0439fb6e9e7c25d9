/**
 * What the cold-start benches share: the bundles are run in a seeded shuffled order each round, so
 * the machine's load falls on all alike, and compared by percentiles of their samples.
 */

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * A seeded Fisher–Yates shuffle: the same seed, the same order, and every order equally likely.
 * (Its generator was once a linear congruential one computed in floating point, whose products
 * pass 2^53: its low bits were far from uniform, so some bundles almost never ran first or second
 * in a round, which a position in the round can favour.)
 */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * How sure a ratio of medians is: a 90% interval for p50(own) / p50(bare) by a paired bootstrap
 * over the runs. Both bundles ran once in each run (interleaved, so a run's load falls on both),
 * so runs are resampled whole, keeping each own sample with its bare one. Cold-start ratios move
 * by several hundredths between runs of the same code on a shared machine; the interval says
 * whether a ratio is over or under a line such as 1.1× or merely near it. Seeded: the same
 * samples give the same interval.
 */
export function medianRatioInterval(own: readonly number[], bare: readonly number[], resamples = 2000, seed = 1): [number, number] {
  if (own.length !== bare.length || own.length === 0) throw new Error("medianRatioInterval: one own and one bare sample per run");
  const ratios: number[] = [];
  const random = mulberry32(seed);
  const pickedOwn = new Array<number>(own.length);
  const pickedBare = new Array<number>(bare.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < own.length; i++) {
      const run = Math.floor(random() * own.length);
      pickedOwn[i] = own[run] as number;
      pickedBare[i] = bare[run] as number;
    }
    ratios.push(percentile(pickedOwn, 50) / percentile(pickedBare, 50));
  }
  return [round(percentile(ratios, 5), 2), round(percentile(ratios, 95), 2)];
}

/** A seeded generator of floats in [0, 1) (mulberry32: 32-bit integer arithmetic throughout). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
