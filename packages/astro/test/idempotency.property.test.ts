import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type AirflowKey, type AirflowValue, connectionKey, type DeploymentTarget, silentLogger, variableKey } from "@afsync/core";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { createTestHasher, FixedClock, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";
import fc from "fast-check";
import { AstroEnvironmentTarget } from "../src/AstroEnvironmentTarget.ts";
import { AstroEnvVarsTarget } from "../src/AstroEnvVarsTarget.ts";

/**
 * Issue 8: a second sync writes nothing, for any keys and values. Each run of the property
 * syncs arbitrary keys (any characters, either kind) and values into a fresh Deployment or
 * Workspace of the Astro emulator, then syncs again: the second run must make no write call,
 * whatever the first one did with each key (applied it, or refused it as invalid).
 */

const TOKEN = "astro-prop-token";
const ORG = "org-prop";
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };
let counter = 0;

const keyId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 8 }),
  fc.constantFrom("a", "A", "mixed_Case", "with-dash", "dotted.id", "Colon:id", "sp ace", "eq=key", "x\nY", "ü", "__"),
);
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 12 }));
const entry = fc.oneof(
  fc.record({ kind: fc.constant("variable" as const), id: keyId, value: text }),
  fc.record({
    kind: fc.constant("connection" as const),
    id: keyId,
    host: fc.option(text, { nil: null }),
    login: fc.option(text, { nil: null }),
    password: fc.option(text, { nil: null }),
    port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: null }),
  }),
);

function sourceOf(entries: readonly Entry[]): InMemorySecretSource {
  const source = new InMemorySecretSource("files");
  for (const e of entries) {
    const key: AirflowKey = e.kind === "variable" ? variableKey(e.id) : connectionKey(e.id);
    const value: AirflowValue =
      e.kind === "variable"
        ? { kind: "variable", value: e.value }
        : {
            kind: "connection",
            connection: {
              conn_type: "postgres",
              host: e.host,
              login: e.login,
              password: e.password,
              schema: null,
              port: e.port,
              extra: null,
            },
          };
    source.set(key, value);
  }
  return source;
}

type Entry = typeof entry extends fc.Arbitrary<infer T> ? T : never;

async function assertSecondSyncWritesNothing(astro: AstroEmulator, target: DeploymentTarget, entries: Entry[]): Promise<void> {
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: silentLogger,
    state: new InMemoryStateStore(),
  });
  const binding = {
    id: "dep",
    target,
    sources: [sourceOf(entries)],
    deletion: "delete" as const,
    adopt: false,
    include: ["*"],
    exclude: [],
  };
  await engine.sync([binding], FULL_RECONCILIATION);
  const before = astro.writeCalls();
  const second = await engine.sync([binding], FULL_RECONCILIATION);
  assert.equal(second.summary.writes, 0, `second sync reported writes: ${JSON.stringify(second.summary)}`);
  assert.equal(astro.writeCalls() - before, 0, "second sync made write calls");
  const changed = second.deployments.flatMap((d) => d.changes).filter((c) => ["create", "update", "delete"].includes(c.action));
  assert.deepEqual(
    changed.map((c) => `${c.action} ${c.key}`),
    [],
  );
}

describe("astro targets: a second sync writes nothing, for any keys and values", () => {
  let astro: AstroEmulator;
  before(async () => {
    astro = await startAstroEmulator({ token: TOKEN });
  });
  after(() => astro.close());

  for (const version of ["v1", "v1beta1"] as const) {
    it(`astro-env-vars (Astro API ${version})`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
          const deploymentId = `dep-${++counter}`;
          astro.seedDeployment({ id: deploymentId, organizationId: ORG, workspaceId: "ws-prop" });
          const target = new AstroEnvVarsTarget({
            organizationId: ORG,
            deploymentId,
            apiUrl: version === "v1" ? astro.v1Url : astro.platformUrl,
            apiVersion: version,
            token: TOKEN,
            retry: FAST_RETRY,
          });
          await assertSecondSyncWritesNothing(astro, target, entries);
        }),
        { numRuns: 25, seed: 8_011 },
      );
    });
  }

  it("astro-environment", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
        const target = new AstroEnvironmentTarget({
          organizationId: ORG,
          scope: { scope: "WORKSPACE", scopeEntityId: `ws-${++counter}` },
          apiUrl: astro.v1Url,
          token: TOKEN,
          retry: FAST_RETRY,
        });
        await assertSecondSyncWritesNothing(astro, target, entries);
      }),
      { numRuns: 25, seed: 8_011 },
    );
  });
});
