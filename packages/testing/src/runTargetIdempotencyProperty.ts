import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AirflowKey, AirflowValue, Connection, KeyString } from "@afsync/core";
import { keyString } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { runHasFailures } from "@afsync/core/engine/RunReport";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { connectionFromJson, connectionToJson } from "@afsync/core/formats/connectionJson";
import fc from "fast-check";
import { createTestHasher } from "./createTestHasher.ts";
import { FixedClock } from "./FixedClock.ts";
import { InMemorySecretSource } from "./InMemorySecretSource.ts";
import { InMemoryStateStore } from "./InMemoryStateStore.ts";
import type { TargetUnderTest } from "./runDeploymentTargetContract.ts";

export interface IdempotencyPropertyOptions {
  /** Generated cases; each one is two full syncs into a fresh target. */
  readonly numRuns?: number;
  readonly seed?: number;
}

// The classes issue 8 found keys breaking targets with: line breaks and other controls, names
// dotenv/Compose/Kubernetes read differently (dash, dot, colon, space, `=`, `#`, quotes, `$`),
// URL path trouble (`/`, dot segments), non-ASCII that changes under upper-casing, team namespaces.
const KEY_PIECES = [
  "\n",
  "\r",
  "\t",
  "\u0000",
  "\u0085",
  "\u2028",
  "-",
  ".",
  "..",
  ":",
  " ",
  "=",
  "#",
  "'",
  '"',
  "$",
  "/",
  "\\",
  "[",
  "ü",
  "ß",
  "ı",
  "İ",
  "\u212A",
  "_",
  "___",
  "a",
  "B",
  "db",
  "DB",
  "7",
  "AIRFLOW__CORE__LOAD_EXAMPLES",
];

const keyIdArb = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.constantFrom(...KEY_PIECES), { minLength: 1, maxLength: 5 }).map((parts) => parts.join("")) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8, unit: "grapheme" }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/) },
);

/** Values with every character a file format quotes or escapes, and well-formed Unicode. */
const textArb = fc.oneof(
  fc.string({ maxLength: 12, unit: "grapheme" }),
  fc
    .array(fc.constantFrom("\n", "\r", "'", '"', "\\", "$", "$$", "#", " ", "=", "{", "}", "ü", "x", "\t", "\u0000"), { maxLength: 8 })
    .map((parts) => parts.join("")),
);

const rawConnectionArb: fc.Arbitrary<Connection> = fc.record({
  conn_type: fc.stringMatching(/^[a-z][a-z_]{0,8}$/),
  host: fc.option(textArb, { nil: null }),
  login: fc.option(textArb, { nil: null }),
  password: fc.option(textArb, { nil: null }),
  schema: fc.option(textArb, { nil: null }),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: null }),
  extra: fc.option(fc.dictionary(fc.stringMatching(/^[a-z_]{1,6}$/), textArb, { maxKeys: 3 }), { nil: null }),
});

/**
 * A connection as a source hands it over: read through afsync's own parser of Airflow's JSON
 * form, so it is normalized the way every real source's values are (empty fields are None).
 */
const connectionArb: fc.Arbitrary<Connection> = rawConnectionArb.map((raw) => connectionFromJson(connectionToJson(raw)));

interface Entry {
  readonly key: AirflowKey;
  readonly value: AirflowValue;
}

const entryArb: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ id: keyIdArb, value: textArb }).map(({ id, value }) => ({
    key: { kind: "variable", id } as const,
    value: { kind: "variable", value } as const,
  })),
  fc.record({ id: keyIdArb, connection: connectionArb }).map(({ id, connection }) => ({
    key: { kind: "connection", id } as const,
    value: { kind: "connection", connection } as const,
  })),
);

/** Source contents, with case-swapped twins of some keys so that names collide under upper-casing. */
const sourceArb = fc
  .tuple(fc.array(entryArb, { minLength: 1, maxLength: 8 }), fc.array(fc.boolean(), { maxLength: 8 }))
  .map(([entries, twins]) => {
    const out = new Map<KeyString, Entry>();
    entries.forEach((entry, i) => {
      out.set(keyString(entry.key), entry);
      if (twins[i] === true) {
        const swapped = [...entry.key.id].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join("");
        const twin = { ...entry, key: { ...entry.key, id: swapped } };
        out.set(keyString(twin.key), twin);
      }
    });
    return [...out.values()];
  });

const WRITES = new Set(["create", "update", "delete"]);

/**
 * The property issue 8 asks of every target: for any keys and values, a sync followed by a
 * second sync writes nothing the second time; every key the target does not refuse while
 * planning is written and reads back as that key (no extra entries, no failed writes); every
 * key it refuses is reported `invalid` or `conflict` (both keys of a collision), is not in the
 * target, and fails the run. `makeTarget` must return an empty target each time it is called.
 */
export function runTargetIdempotencyProperty(
  name: string,
  makeTarget: () => Promise<TargetUnderTest>,
  options: IdempotencyPropertyOptions = {},
): void {
  describe(`idempotency property: ${name}`, () => {
    it("writes nothing on a second sync, for any keys and values, and never writes a key it refuses", async () => {
      await fc.assert(
        fc.asyncProperty(sourceArb, async (entries) => {
          const under = await makeTarget();
          try {
            await checkTwoSyncs(under, entries);
          } finally {
            await under.target.close?.();
            await under.cleanup?.();
          }
        }),
        { numRuns: options.numRuns ?? 40, ...(options.seed === undefined ? {} : { seed: options.seed }) },
      );
    });
  });
}

async function checkTwoSyncs(under: TargetUnderTest, entries: readonly Entry[]): Promise<void> {
  const source = new InMemorySecretSource("generated", { batchSize: 50 });
  for (const e of entries) source.set(e.key, e.value);
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: { log() {} },
    state: new InMemoryStateStore(),
  });
  const binding: DeploymentBinding = {
    id: "property",
    target: under.target,
    sources: [source],
    deletion: "delete",
    adopt: false,
    include: ["*"],
    exclude: [],
  };

  const first = await engine.sync([binding], FULL_RECONCILIATION);
  const deployment = first.deployments[0];
  assert.equal(deployment?.status, "ok", `first sync failed: ${deployment?.error ?? ""}`);
  const failedWrites = deployment.changes.filter((c) => c.error !== undefined);
  assert.deepEqual(failedWrites, [], "a key the target accepted while planning failed to write: checkKeys misses a rule");
  const refused = new Map(deployment.changes.filter((c) => c.action === "invalid" || c.action === "conflict").map((c) => [c.key, c]));
  for (const change of refused.values()) {
    for (const other of change.collidesWith ?? []) {
      if (entries.some((e) => keyString(e.key) === other))
        assert.equal(refused.get(other)?.action, "conflict", `${other} collides with ${change.key} and is reported too`);
    }
  }
  const written = new Set(deployment.changes.filter((c) => c.action === "create").map((c) => c.key));
  const snapshot = await under.target.read();
  assert.deepEqual([...snapshot.entries.keys()].sort(), [...written].sort(), "the target holds exactly the keys written, no more");
  if (refused.size > 0) assert.ok(runHasFailures(first), "refused keys fail the run");

  const second = await engine.sync([binding], FULL_RECONCILIATION);
  const again = second.deployments[0];
  assert.equal(again?.status, "ok", `second sync failed: ${again?.error ?? ""}`);
  const rewritten = again.changes.filter((c) => WRITES.has(c.action) || c.write !== undefined).map((c) => `${c.action} ${c.key}`);
  assert.deepEqual(rewritten, [], "a second sync writes nothing");
  assert.equal(second.summary.writes, 0);
  assert.deepEqual(
    again.changes.filter((c) => c.action !== "unchanged").map((c) => [c.key, c.action]),
    [...refused.values()].map((c) => [c.key, c.action]),
    "the same keys are refused the same way",
  );
}
