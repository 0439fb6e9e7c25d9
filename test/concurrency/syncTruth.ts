import type { DeploymentTarget, KeyString, StateRecord } from "@afsync/core";
import { silentLogger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createTestHasher, FixedClock, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";
import type { SeededRandom } from "../faults/createSeededRandom.ts";

/** The sources at one moment: variable key → value and its version (ordered, as SSM, GCP and Vault give). */
export type Truth = ReadonlyMap<string, { readonly value: string; readonly order: number }>;

/** A secrets manager holding `truth`: what a sync that read the sources at that moment saw. */
export function sourceAt(truth: Truth): InMemorySecretSource {
  const source = new InMemorySecretSource("files");
  for (const [id, { value, order }] of truth) source.setVariable(id, value, { id: String(order), order });
  return source;
}

/** The next truth: about a fifth of the keys removed, a third rotated, the rest kept; removed keys come back later. */
export function nextTruth(previous: Truth, keys: number, step: number, rand: SeededRandom): Truth {
  const out = new Map<string, { value: string; order: number }>();
  for (let i = 0; i < keys; i++) {
    const id = `k${i}`;
    const had = previous.get(id);
    const roll = rand.next();
    if (roll < 0.2) continue;
    out.set(id, had !== undefined && roll > 0.55 ? had : { value: `pw-s${step}-${i}-${rand.token()}`, order: step * 1000 + i + 1 });
  }
  return out;
}

/**
 * One process's view of the Deployment: its own engine (target state, so the ownership record
 * is the manifest in the target, as in the cloud functions and `state: target`), reading the
 * sources as `truth` and deleting owned keys the sources lost.
 */
export function syncOnce(target: DeploymentTarget, truth: Truth, options: { adopt?: boolean } = {}) {
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: silentLogger,
    state: new InMemoryStateStore(),
  });
  const binding: DeploymentBinding = {
    id: "prod",
    target,
    sources: [sourceAt(truth)],
    deletion: "delete",
    adopt: options.adopt ?? false,
    include: ["*"],
    exclude: [],
  };
  return engine.sync([binding], FULL_RECONCILIATION);
}

/** What `afsync` must guarantee after any interleaving, given the target's keys and its manifest. */
export function ownershipProblems(
  targetKeys: Iterable<KeyString>,
  manifest: readonly StateRecord[] | null | undefined,
  unowned: ReadonlySet<KeyString>,
): { orphanedKeys: KeyString[]; recordsWithoutKey: KeyString[]; unownedClaimed: KeyString[] } {
  const held = new Set([...targetKeys].filter((k) => !unowned.has(k)));
  const owned = new Set((manifest ?? []).map((r) => r.key));
  return {
    orphanedKeys: [...held].filter((k) => !owned.has(k)).sort(),
    recordsWithoutKey: [...owned].filter((k) => !held.has(k) && !unowned.has(k)).sort(),
    unownedClaimed: [...owned].filter((k) => unowned.has(k)).sort(),
  };
}

export const NO_PROBLEMS = { orphanedKeys: [], recordsWithoutKey: [], unownedClaimed: [] };
