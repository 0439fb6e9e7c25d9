import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { DeploymentTarget, KeyString } from "@afsync/core";
import { RUN_LOCK_SUFFIX } from "@afsync/local/FileRunLock";
import { AirflowSettingsTarget } from "@afsync/local/targets/AirflowSettingsTarget";
import { EnvFileTarget } from "@afsync/local/targets/EnvFileTarget";
import { LocalFilesystemTarget } from "@afsync/local/targets/LocalFilesystemTarget";
import { SqliteStateStore } from "@afsync/runtime/state/SqliteStateStore";
import { type AfsyncBinaryRun, runAfsyncBinary } from "@afsync/testing";
import { stringify } from "yaml";
import { createSeededRandom } from "../faults/createSeededRandom.ts";
import { type ServeProcess, startServe } from "../localServeProcess.ts";
import { nextTruth, type Truth } from "./syncTruth.ts";

/**
 * Two `afsync serve` processes (real processes, each reacting to the source files it watches)
 * and several CLI `afsync sync` processes at once on ONE config whose Deployments are the three
 * local target kinds (airflow_settings.yaml, .env, LocalFilesystemBackend JSON), while the
 * sources change. The two serve processes are this target family's "two workers": a cloud
 * worker holds no file an Airflow reads, so the writers of a local target are processes on the
 * machine that holds it.
 * The run lock (ADR 006) serializes them: whatever the interleaving, each target ends with the
 * source truth of the last change, the SQLite ownership equals what the targets hold, and the
 * entries afsync did not write stay as they were. The forced interleavings of the run lock are
 * in run-lock-interleaving.test.ts; the outcome here must not depend on timing at all.
 */

const CONFIG = `sources:
  files:
    type: local
    variables_file_path: secrets/variables.yaml
deployments:
  settings:
    target: { type: airflow-settings, path: project/airflow_settings.yaml }
    sources: [files]
    deletion: delete
  env:
    target: { type: env-file, path: project/.env }
    sources: [files]
    deletion: delete
  lfs:
    target: { type: local-filesystem, variables_file_path: project/variables.json }
    sources: [files]
    deletion: delete
state: { type: sqlite, path: .afsync/state.db }
serve: { host: 127.0.0.1, port: 0, reconcile_every: 1h }
`;

const THEIRS = "var:theirs" as KeyString;

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

describe("two serve processes and CLI syncs at once on one config with every local target kind", () => {
  let dir: string;
  const serves: ServeProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "afsync-concurrency-local-"));
    mkdirSync(join(dir, "secrets"));
    mkdirSync(join(dir, "project"));
    writeFileSync(join(dir, "afsync.yaml"), CONFIG);
    // One entry in each target that afsync did not write.
    writeFileSync(join(dir, "project/.env"), "OTHER_SETTING=kept\nAIRFLOW_VAR_THEIRS=their-value\n");
    writeFileSync(
      join(dir, "project/airflow_settings.yaml"),
      stringify({ airflow: { variables: [{ variable_name: "theirs", variable_value: "their-value" }] } }),
    );
    writeFileSync(join(dir, "project/variables.json"), JSON.stringify({ theirs: "their-value" }));
  });
  after(async () => {
    for (const serve of serves) await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const targets: Record<string, DeploymentTarget> = {
    get settings() {
      return new AirflowSettingsTarget(join(dir, "project/airflow_settings.yaml"));
    },
    get env() {
      return new EnvFileTarget(join(dir, "project/.env"));
    },
    get lfs() {
      return new LocalFilesystemTarget({ variablesFilePath: join(dir, "project/variables.json") });
    },
  };
  const sync = () => runAfsyncBinary(["sync", "--json", "--config", "afsync.yaml", "--wait-lock", "300"], { cwd: dir });
  const report = (run: AfsyncBinaryRun, where: string) => {
    assert.equal(run.code, 0, `${where}: exit code (stderr: ${run.stderr})`);
    return JSON.parse(run.stdout) as { summary: Record<string, number> };
  };

  async function assertConverged(truth: Truth, where: string): Promise<void> {
    const expected = Object.fromEntries([...truth].map(([id, v]) => [`var:${id}`, v.value]));
    const state = SqliteStateStore.openReadOnly(join(dir, ".afsync/state.db"));
    assert.ok(state !== null);
    try {
      for (const [name, target] of Object.entries(targets)) {
        const held = Object.fromEntries(
          [...(await target.read()).entries].map(([k, e]) => [k, e.value?.kind === "variable" ? e.value.value : "(not a variable)"]),
        );
        assert.equal(held[THEIRS], "their-value", `${where}: ${name}: the entry afsync did not write is untouched`);
        delete held[THEIRS];
        assert.deepEqual(held, expected, `${where}: ${name} holds the source truth`);
        const owned = [...(await state.load(name)).keys()].sort();
        assert.deepEqual(owned, Object.keys(expected).sort(), `${where}: ${name}: owned keys are exactly the keys written`);
      }
    } finally {
      await state.close();
    }
  }

  it("ends equal to the last source change, with ownership matching the targets", async () => {
    const rand = createSeededRandom(4242);
    let truth: Truth = nextTruth(new Map(), 12, 1, rand);
    writeAtomically(join(dir, "secrets/variables.yaml"), stringify(Object.fromEntries([...truth].map(([id, v]) => [id, v.value]))));
    // The second serve starts while the first one's initial sync may hold the run lock: it waits for it.
    serves.push(...(await Promise.all([0, 1].map(() => startServe(["--config", "afsync.yaml", "--port", "0"], { cwd: dir })))));
    await Promise.all(serves.map((serve) => serve.waitForOutput(/initial sync/, { timeoutMs: 60_000 })));
    // The sources change three times; a CLI sync starts after each change, and both serves see
    // each change through their file watches: up to five runs contend for one config at once.
    const runs: Promise<AfsyncBinaryRun>[] = [];
    for (let wave = 0; wave < 3; wave++) {
      truth = nextTruth(truth, 12, 10 + wave, rand);
      writeAtomically(join(dir, "secrets/variables.yaml"), stringify(Object.fromEntries([...truth].map(([id, v]) => [id, v.value]))));
      runs.push(sync());
    }
    // The last CLI sync took the lock after the last change, so it read the final sources.
    for (const [i, run] of (await Promise.all(runs)).entries()) {
      assert.equal(report(run, `run ${i + 1}`).summary.conflict, 0, "no run saw a key afsync wrote as someone else's");
    }
    await assertConverged(truth, "after the overlapping runs");
    const settled = report(await sync(), "final sync");
    assert.equal(settled.summary.writes, 0, "nothing left to write: no orphan, no lost key");
    for (const serve of serves) assert.equal(serve.child.exitCode, null, "both serves are still running");
    assert.deepEqual(
      readdirSync(join(dir, "project")).filter((f) => f.includes(RUN_LOCK_SUFFIX)),
      [],
      "no lock left behind by the CLI runs",
    );
  });
});
