import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type { ApplyOutcome, ApplyRequest, DeploymentTarget, Logger, RunLock } from "@afsync/core";
import { silentLogger } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { FileRunLock } from "@afsync/local/FileRunLock";
import { AirflowSettingsTarget } from "@afsync/local/targets/AirflowSettingsTarget";
import { EnvFileTarget } from "@afsync/local/targets/EnvFileTarget";
import { SqliteStateStore } from "@afsync/runtime/state/SqliteStateStore";
import { createTestHasher, FixedClock, InMemorySecretSource } from "@afsync/testing";

/**
 * Issue 8, finding 7, with the interleaving forced rather than hoped for: run A (which read the
 * sources before they changed) pauses inside its first apply until run B (which read them after)
 * has finished or is waiting for the lock. Two engines over two connections to one SQLite state
 * store and the same two target files stand for two processes.
 *
 * Without a lock this is the reported data loss: A then writes its stale values over B's and
 * records them as owned. With the file lock, B cannot start until A has recorded, so the end
 * state is B's: the source truth.
 */

const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Delegates to `inner`, but holds the first apply until `gate` settles (and says when it got there). */
class PausingTarget implements DeploymentTarget {
  readonly type: string;
  readonly describe: string;
  readonly layer: DeploymentTarget["layer"];
  readonly capabilities: DeploymentTarget["capabilities"];
  readonly localFiles: readonly string[] | undefined;
  #paused = false;

  constructor(
    private readonly inner: DeploymentTarget,
    private readonly gate: () => Promise<unknown>,
  ) {
    this.type = inner.type;
    this.describe = inner.describe;
    this.layer = inner.layer;
    this.capabilities = inner.capabilities;
    this.localFiles = inner.localFiles;
  }

  read() {
    return this.inner.read();
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    if (!this.#paused) {
      this.#paused = true;
      await this.gate();
    }
    return this.inner.apply(request);
  }
}

function source(values: Record<string, string>): InMemorySecretSource {
  const s = new InMemorySecretSource("files");
  for (const [id, value] of Object.entries(values)) s.setVariable(id, value);
  return s;
}

async function scenario(withLock: boolean) {
  const root = mkdtempSync(join(tmpdir(), "afsync-interleave-"));
  roots.push(root);
  const statePath = join(root, "state.db");
  const envPath = join(root, ".env");
  const settingsPath = join(root, "airflow_settings.yaml");
  const stores: SqliteStateStore[] = [];

  const engine = (name: string, logger: Logger = silentLogger) => {
    const state = SqliteStateStore.open(statePath);
    stores.push(state);
    const runLock: RunLock | undefined = withLock
      ? new FileRunLock({
          resources: [statePath, envPath, settingsPath],
          command: `afsync sync (${name})`,
          waitMs: 30_000,
          pollMs: 5,
          logger,
        })
      : undefined;
    return new SyncEngine({
      clock: new FixedClock(),
      hasher: createTestHasher(),
      logger: silentLogger,
      state,
      ...(runLock === undefined ? {} : { runLock }),
    });
  };
  const bindings = (s: InMemorySecretSource, wrap: (t: DeploymentTarget) => DeploymentTarget = (t) => t): DeploymentBinding[] =>
    [new EnvFileTarget(envPath), new AirflowSettingsTarget(settingsPath)].map((target, i) => ({
      id: i === 0 ? "env" : "settings",
      target: i === 0 ? wrap(target) : target,
      sources: [s],
      deletion: "delete" as const,
      adopt: false,
      include: ["*"],
      exclude: [],
    }));

  // Before: both targets hold k1 and k2, owned.
  await engine("setup").sync(bindings(source({ k1: "pw-0", k2: "pw-0" })), FULL_RECONCILIATION);

  let bSettled!: () => void;
  const bDone = new Promise<void>((r) => {
    bSettled = r;
  });
  let bWaits!: () => void;
  const bWaiting = new Promise<void>((r) => {
    bWaits = r;
  });
  let aPaused!: () => void;
  const aAtApply = new Promise<void>((r) => {
    aPaused = r;
  });
  const bLogger: Logger = { log: (_level, message) => (message === "waiting for another afsync run to finish" ? bWaits() : undefined) };

  // A read the sources before they changed: k1 and k2 rotated.
  const runA = engine("A").sync(
    bindings(
      source({ k1: "pw-A", k2: "pw-A" }),
      (t) =>
        new PausingTarget(t, () => {
          aPaused();
          return Promise.race([bDone, bWaiting]);
        }),
    ),
    FULL_RECONCILIATION,
  );
  await aAtApply;
  // B starts while A applies, and reads the sources as they are now: k2 removed, k1 rotated again, k3 new.
  const truth = { k1: "pw-B", k3: "pw-B" };
  const runB = engine("B", bLogger)
    .sync(bindings(source(truth)), FULL_RECONCILIATION)
    .finally(() => bSettled());
  const [reportA, reportB] = await Promise.all([runA, runB]);

  const held = async (target: DeploymentTarget) =>
    Object.fromEntries(
      [...(await target.read()).entries].map(([k, e]) => [k, e.value?.kind === "variable" ? e.value.value : "(not a variable)"]),
    );
  const [reader] = stores;
  assert.ok(reader !== undefined);
  const owned = async (deployment: string) => [...(await reader.load(deployment)).keys()].sort();
  const outcome = {
    env: await held(new EnvFileTarget(envPath)),
    settings: await held(new AirflowSettingsTarget(settingsPath)),
    ownedEnv: await owned("env"),
    ownedSettings: await owned("settings"),
  };
  for (const s of stores) await s.close();
  return { outcome, truth, reports: [reportA, reportB] };
}

describe("overlapping syncs, interleaved on purpose", () => {
  it("without a lock, lose the newer run's values and ownership (finding 7 reproduced)", async () => {
    const { outcome } = await scenario(false);
    assert.notDeepEqual(outcome.env, { "var:k1": "pw-B", "var:k3": "pw-B" }, "the stale run overwrote the newer one");
    assert.equal(outcome.env["var:k1"], "pw-A", "an old password is back");
    assert.equal(outcome.env["var:k2"], "pw-A", "a key removed from the source is back in the target");
  });

  it("with the file run lock, end with exactly the source truth in both targets and in the ownership record", async () => {
    const { outcome, truth, reports } = await scenario(true);
    const expected = Object.fromEntries(Object.entries(truth).map(([k, v]) => [`var:${k}`, v]));
    assert.deepEqual(outcome.env, expected);
    assert.deepEqual(outcome.settings, expected);
    assert.deepEqual(outcome.ownedEnv, ["var:k1", "var:k3"]);
    assert.deepEqual(outcome.ownedSettings, ["var:k1", "var:k3"]);
    for (const report of reports) assert.equal(report.summary.conflict, 0);
  });
});
