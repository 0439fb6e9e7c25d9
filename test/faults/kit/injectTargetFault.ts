import type { Fault } from "@afsync/emulators/faults/FaultInjector";
import type { SeededRandom } from "../createSeededRandom.ts";

/** An emulated target's fault injection (the Airflow and Astro emulators). */
export interface FaultableTarget {
  inject(fault: Fault): void;
}

const KINDS = ["429", "500", "503", "504", "slow"] as const;

/**
 * 20% of events: the next call to one target fails (429 with Retry-After, 500, 503, 504) or
 * answers slowly. The target is picked evenly, or by `weights` (one per target, in order).
 */
export function injectTargetFault(
  random: SeededRandom,
  targets: Readonly<Record<string, FaultableTarget>>,
  count: (kind: string) => void,
  weights?: readonly number[],
): void {
  if (random.next() >= 0.2) return;
  const names = Object.keys(targets);
  const name = weights === undefined ? random.pick(names) : weightedPick(random, names, weights);
  const target = targets[name] as FaultableTarget;
  const kind = random.below(KINDS.length);
  if (kind === 0) target.inject({ status: 429, retryAfterSeconds: 0, times: 1 });
  else if (kind === 4) target.inject({ latencyMs: 200, times: 1 });
  else target.inject({ status: Number(KINDS[kind]), times: 1 });
  count(`target-${name}-${KINDS[kind]}`);
}

function weightedPick(random: SeededRandom, names: readonly string[], weights: readonly number[]): string {
  let roll = random.next();
  for (const [i, name] of names.entries()) {
    roll -= weights[i] ?? 0;
    if (roll < 0) return name;
  }
  return names[names.length - 1] as string;
}
