import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { medianRatioInterval, percentile, shuffled } from "../bench/support/coldStartSamples.ts";

describe("medianRatioInterval (the cold-start benches' 90% interval of a ratio of medians)", () => {
  const bare = [200, 210, 190, 240, 205, 198, 260, 201, 199, 215, 230, 195, 202, 208, 212];

  it("is exactly the ratio when every run's own sample is the same multiple of its bare one, paired by run", () => {
    // The second case: each run is slower or faster as a whole (a load that falls on both in that
    // run), and pairing the samples by run keeps that from widening the interval.
    const loaded = bare.map((b, i) => b * (i % 3 === 0 ? 1.5 : 1));
    for (const [base, factor] of [
      [bare, 1.2],
      [loaded, 1.1],
    ] as const)
      assert.deepEqual(
        medianRatioInterval(
          base.map((b) => b * factor),
          base,
        ),
        [factor, factor],
      );
  });

  it("holds the point ratio and widens with noise, the same for the same samples", () => {
    const own = bare.map((b, i) => b * 1.1 + (i % 2 === 0 ? 25 : -25));
    const [low, high] = medianRatioInterval(own, bare);
    const point = percentile(own, 50) / percentile(bare, 50);
    assert.ok(low < point && point < high, `${low} < ${point} < ${high}`);
    assert.ok(high - low > 0.05, "noisy samples give a wide interval");
    assert.deepEqual(medianRatioInterval(own, bare), [low, high]);
  });

  it("refuses samples that are not one per run on each side", () => {
    assert.throws(() => medianRatioInterval([1, 2], [1]), /one own and one bare sample per run/);
    assert.throws(() => medianRatioInterval([], []), /one own and one bare sample per run/);
  });
});

describe("shuffled (the order the cold-start benches run their bundles in each round)", () => {
  it("puts every bundle in every place about equally often over the rounds, and repeats an order for a seed", () => {
    const bundles = ["bare-producer", "bare-worker", "events", "webhook", "reconcile", "coalesce", "worker"];
    const rounds = 7000;
    // places[bundle][place]: the rounds in which that bundle ran in that place.
    const places = new Map(bundles.map((b) => [b, new Array<number>(bundles.length).fill(0)]));
    for (let round = 1; round <= rounds; round++) {
      for (const [place, b] of shuffled(bundles, round).entries()) {
        const counts = places.get(b);
        if (counts !== undefined) counts[place] = (counts[place] ?? 0) + 1;
      }
    }
    for (const [bundle, counts] of places)
      for (const [place, count] of counts.entries())
        assert.ok(Math.abs(count - rounds / bundles.length) < 150, `${bundle} in place ${place}: ${count} of ${rounds} rounds`);
    assert.deepEqual(shuffled(bundles, 3), shuffled(bundles, 3));
    assert.deepEqual([...shuffled(bundles, 3)].sort(), [...bundles].sort());
  });
});
