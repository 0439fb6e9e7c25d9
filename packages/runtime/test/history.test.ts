import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type HistoryEntry, variableKey } from "@afsync/core";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource } from "@afsync/testing";
import Database from "better-sqlite3";
import { SqliteStateStore } from "../src/state/SqliteStateStore.ts";

const dir = mkdtempSync(join(tmpdir(), "afsync-history-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "history-s3cret-value-81f2";
const ROTATED = "history-r0tated-value-4c7a";

const entry = (deploymentId: string, key: HistoryEntry["key"], extra: Partial<HistoryEntry> = {}): HistoryEntry => ({
  deploymentId,
  key,
  action: "create",
  layer: "metadata-db",
  sourceId: "team",
  version: "v1",
  hash: "aa",
  trigger: "reconciliation",
  appliedAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

const DELETED: HistoryEntry = {
  deploymentId: "dev",
  key: "var:a",
  action: "delete",
  layer: "metadata-db",
  trigger: "reconciliation",
  appliedAt: "2026-01-01T00:00:00.000Z",
};

describe("SqliteStateStore history", () => {
  it("adds the history table to a store made before it existed, and reads it back filtered, oldest first", async () => {
    const path = join(dir, "old.db");
    const old = new Database(path);
    old.exec(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL); CREATE TABLE records (deployment TEXT NOT NULL, key TEXT NOT NULL, source_id TEXT NOT NULL, secret_id TEXT, version TEXT, version_order REAL, hash TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (deployment, key));",
    );
    old.close();

    const readOnly = SqliteStateStore.openReadOnly(path);
    assert.deepEqual(await readOnly?.readHistory({}), [], "an old store read-only: no history yet, no error");
    await readOnly?.close();

    const store = SqliteStateStore.open(path);
    await store.appendHistory([entry("dev", "var:a"), entry("prod", "var:a"), entry("dev", "var:b")]);
    await store.appendHistory([DELETED]);
    await store.close();

    const reopened = SqliteStateStore.open(path);
    const devA = await reopened.readHistory({ deploymentIds: ["dev"], key: "var:a" });
    assert.deepEqual(
      devA.map((e) => e.action),
      ["create", "delete"],
    );
    assert.deepEqual(devA[1], DELETED);
    assert.deepEqual(
      (await reopened.readHistory({})).map((e) => `${e.deploymentId} ${e.key}`),
      ["dev var:a", "prod var:a", "dev var:b", "dev var:a"],
    );
    await reopened.close();
  });
});

describe("the engine's history", () => {
  it("records every applied create, update and delete with source, version, hash and trigger, never a value", async () => {
    const path = join(dir, "engine.db");
    const state = SqliteStateStore.open(path);
    const clock = new FixedClock();
    const engine = new SyncEngine({ clock, hasher: createTestHasher(), logger: { log() {} }, state });
    const source = new InMemorySecretSource("team");
    const target = new InMemoryDeploymentTarget();
    const binding = { id: "dev", target, sources: [source], deletion: "delete" as const, adopt: false, include: ["*"], exclude: [] };

    source.setVariable("token", SECRET).setVariable("other", "x");
    await engine.sync([binding], FULL_RECONCILIATION);
    await engine.sync([binding], FULL_RECONCILIATION); // nothing changes: nothing recorded
    source.setVariable("token", ROTATED);
    await engine.sync([binding], { kind: "hints", hints: [{ provider: "memory", secretId: "var:token", action: "upsert" }] });
    source.delete(variableKey("token"));
    await engine.sync([binding], FULL_RECONCILIATION);

    const history = await state.readHistory({ key: "var:token" });
    assert.deepEqual(
      history.map((e) => [e.action, e.sourceId, e.version, e.trigger, e.layer]),
      [
        ["create", "team", "v1", "reconciliation", "metadata-db"],
        ["update", "team", "v3", "event", "metadata-db"],
        ["delete", undefined, undefined, "reconciliation", "metadata-db"],
      ],
    );
    assert.notEqual(history[0]?.hash, history[1]?.hash);
    assert.equal(history[0]?.hash, engine.hash({ kind: "variable", value: SECRET }));
    assert.equal((await state.readHistory({})).length, 4);
    await state.close();
    const bytes = readFileSync(path).toString("latin1");
    assert.ok(!bytes.includes(SECRET) && !bytes.includes(ROTATED), "no value in the state file");
  });
});
