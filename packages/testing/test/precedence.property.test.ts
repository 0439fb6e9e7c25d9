import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AirflowKey, type ChangeHint, keyString, variableKey } from "@afsync/core";
import { canonicalValue } from "@afsync/core/engine/canonicalValue";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { resolvePrecedence } from "@afsync/core/engine/resolvePrecedence";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import fc from "fast-check";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "../src/index.ts";

const KEYS = ["a", "b", "c", "d", "e"];

/** Up to four sources, each holding a random subset of five variables with random values. */
const sourcesArb = fc.array(fc.dictionary(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 }), { maxKeys: KEYS.length }), {
  minLength: 1,
  maxLength: 4,
});

function build(contents: readonly Record<string, string>[]) {
  const sources = contents.map((content, i) => {
    const source = new InMemorySecretSource(`s${i}`, { batchSize: 3 });
    for (const [k, v] of Object.entries(content)) source.setVariable(k, v);
    return source;
  });
  const target = new InMemoryDeploymentTarget();
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: { log() {} },
    state: new InMemoryStateStore(),
  });
  const binding: DeploymentBinding = { id: "d", target, sources, deletion: "delete", adopt: false, include: ["*"], exclude: [] };
  return { sources, target, engine, binding };
}

/** What Airflow would read: for each key, the first source listed that holds it. */
function expectedWinners(contents: readonly Record<string, string>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of KEYS) {
    const holder = contents.find((c) => Object.hasOwn(c, key));
    if (holder !== undefined) out.set(`var:${key}`, holder[key] ?? "");
  }
  return out;
}

function targetValues(target: InMemoryDeploymentTarget): Map<string, string> {
  return new Map([...target.values].map(([k, v]) => [k, v.kind === "variable" ? v.value : canonicalValue(v)]));
}

describe("precedence properties", () => {
  it("the first listed source that holds a key always wins", async () => {
    await fc.assert(
      fc.asyncProperty(sourcesArb, async (contents) => {
        const { target, engine, binding } = build(contents);
        await engine.sync([binding], FULL_RECONCILIATION);
        assert.deepEqual(targetValues(target), expectedWinners(contents));
      }),
      { numRuns: 60 },
    );
  });

  it("resolution is deterministic and ignores sources below the winner", () => {
    const hash = (v: { kind: string }) => JSON.stringify(v);
    fc.assert(
      fc.property(sourcesArb, fc.constantFrom(...KEYS), (contents, id) => {
        const key: AirflowKey = variableKey(id);
        const answers = contents.map((c, i) => ({
          sourceId: `s${i}`,
          read: Object.hasOwn(c, id)
            ? ({ status: "found", key, secretId: id, value: { kind: "variable", value: c[id] ?? "" } } as const)
            : undefined,
        }));
        const first = resolvePrecedence(key, answers, hash);
        assert.deepEqual(resolvePrecedence(key, answers, hash), first);
        const winnerIndex = answers.findIndex((a) => a.read !== undefined);
        if (winnerIndex < 0) return assert.equal(first.outcome.kind, "absent");
        // Changing anything below the winner never changes the outcome.
        const perturbed = answers.map((a, i) => (i > winnerIndex ? { ...a, read: undefined } : a));
        assert.deepEqual(resolvePrecedence(key, perturbed, hash).outcome, first.outcome);
      }),
      { numRuns: 200 },
    );
  });

  it("the outcome of a batch of hints does not depend on their order", async () => {
    const hintsArb = fc.array(
      fc.record({ key: fc.constantFrom(...KEYS), action: fc.constantFrom<"upsert" | "delete">("upsert", "delete") }),
      { minLength: 1, maxLength: 12 },
    );
    await fc.assert(
      fc.asyncProperty(sourcesArb, hintsArb, fc.infiniteStream(fc.integer()), async (contents, raw, seeds) => {
        const hints: ChangeHint[] = raw.map((h) => ({ provider: "memory", secretId: keyString(variableKey(h.key)), action: h.action }));
        const shuffled = [...hints].sort(() => (seeds.next().value % 2 === 0 ? -1 : 1));
        const a = build(contents);
        const b = build(contents);
        const ra = await a.engine.sync([a.binding], { kind: "hints", hints });
        const rb = await b.engine.sync([b.binding], { kind: "hints", hints: shuffled });
        assert.deepEqual(targetValues(a.target), targetValues(b.target));
        assert.deepEqual(ra.deployments[0]?.changes, rb.deployments[0]?.changes);
        assert.ok(a.target.applyCalls <= 1 && b.target.applyCalls <= 1, "a burst of hints is one write");
      }),
      { numRuns: 60 },
    );
  });

  it("a sync followed by a plan with no change plans nothing but unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(sourcesArb, async (contents) => {
        const { engine, binding } = build(contents);
        await engine.sync([binding], FULL_RECONCILIATION);
        const plan = await engine.plan([binding], FULL_RECONCILIATION);
        for (const change of plan.deployments[0]?.changes ?? []) assert.equal(change.action, "unchanged");
        assert.equal(plan.summary.unchanged, expectedWinners(contents).size);
      }),
      { numRuns: 60 },
    );
  });
});
