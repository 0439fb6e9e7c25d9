import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type StateRecord, stateRecord } from "@afsync/core";
import { RestampedRecords } from "@afsync/core/engine/RestampedRecords";
import { SharedStrings } from "@afsync/core/engine/SharedStrings";
import { runStateStoreContract } from "@afsync/testing";
import Database from "better-sqlite3";
import { MemoryStateStore } from "../src/state/MemoryStateStore.ts";
import { SqliteStateStore } from "../src/state/SqliteStateStore.ts";

const dir = mkdtempSync(join(tmpdir(), "afsync-state-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = (key: StateRecord["key"], hash: string, extra: Partial<StateRecord> = {}): StateRecord => ({
  key,
  sourceId: "team",
  hash,
  appliedAt: "2026-01-01T00:00:00.000Z",
  ...extra,
});

describe("SqliteStateStore", () => {
  it("creates its directory and a 0600 file in WAL mode", async () => {
    const path = join(dir, "nested", ".afsync", "state.db");
    const store = SqliteStateStore.open(path);
    await store.save("dev", [record("conn:db", "aa")], []);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "nested", ".afsync")).mode & 0o777, 0o700);
    assert.ok(existsSync(`${path}-wal`), "WAL journal in use while open");
    await store.close();
  });

  it("round-trips records per Deployment, replacing and removing in one save", async () => {
    const path = join(dir, "roundtrip.db");
    const store = SqliteStateStore.open(path);
    await store.save(
      "dev",
      [record("conn:db", "aa", { secretId: "airflow/connections/db", version: "v2", versionOrder: 2 }), record("var:env", "bb")],
      [],
    );
    await store.save("prod", [record("var:env", "cc")], []);
    await store.save("dev", [record("var:env", "dd")], ["conn:db"]);
    await store.close();

    const reopened = SqliteStateStore.open(path);
    assert.deepEqual([...(await reopened.load("dev")).values()], [record("var:env", "dd")]);
    assert.deepEqual([...(await reopened.load("prod")).values()], [record("var:env", "cc")]);
    await reopened.save("dev", [record("conn:db", "ee", { secretId: "s", version: "v9", versionOrder: 9 })], []);
    assert.deepEqual(
      (await reopened.load("dev")).get("conn:db"),
      record("conn:db", "ee", { secretId: "s", version: "v9", versionOrder: 9 }),
    );
    await reopened.close();
  });

  it("loads the same records through loadShared, each one made by the run's records", async () => {
    const store = SqliteStateStore.open(join(dir, "shared.db"));
    const records = [
      record("conn:db", "aa", { secretId: "airflow/connections/db", version: "v2", versionOrder: 2 }),
      record("var:env", "bb", { secretId: "airflow/variables/env", version: "v1" }),
      record("var:plain", "cc"),
    ];
    await store.save("dev", records, []);
    const made: StateRecord[] = [];
    const shared = await store.loadShared("dev", {
      record: (...fields) => {
        const made1 = stateRecord(...fields);
        made.push(made1);
        return made1;
      },
    });
    assert.deepEqual(shared, await store.load("dev"));
    assert.deepEqual([...shared.values()], records);
    assert.deepEqual([...shared.values()], made);
    for (const [i, r] of [...shared.values()].entries()) assert.equal(r, made[i], "the run's own object");
    await store.close();
  });

  it("loads Deployments whose records differ in when they were applied through one run as the same records, each at its own time", async () => {
    const store = SqliteStateStore.open(join(dir, "restamped.db"));
    const records = [
      record("conn:db", "aa", { secretId: "airflow/connections/db", version: "v2", versionOrder: 2 }),
      record("var:env", "bb", { secretId: "airflow/variables/env", version: "v1" }),
      record("var:plain", "cc"),
    ];
    const at = (i: number) => ({ appliedAt: `2026-01-0${i + 1}T00:00:00.000Z` });
    await store.save("dev", records, []);
    await store.save(
      "prod",
      records.map((r) => ({ ...r, ...at(1) })),
      [],
    );
    const rotated = records.map((r) => (r.key === "var:env" ? { ...r, hash: "dd", version: "v2", ...at(3) } : { ...r, ...at(2) }));
    await store.save("qa", rotated, []);
    const run = new SharedStrings();
    const dev = await store.loadShared("dev", run);
    const prod = await store.loadShared("prod", run);
    const qa = await store.loadShared("qa", run);
    assert.deepEqual([...dev.values()], records);
    assert.deepEqual(
      [...prod.values()],
      records.map((r) => ({ ...r, ...at(1) })),
    );
    assert.deepEqual([...qa.values()], rotated);
    assert.ok(prod instanceof RestampedRecords && prod.differing.size === 0, "no record of its own");
    assert.ok(qa instanceof RestampedRecords && qa.differing.size === 1, "the rotated record alone");
    await store.close();
  });

  it("generates the HMAC key once and keeps it across opens", async () => {
    const path = join(dir, "key.db");
    const store = SqliteStateStore.open(path);
    const key = await store.hmacKey();
    assert.equal(key.length, 32);
    assert.deepEqual(await store.hmacKey(), key);
    await store.close();
    const reopened = SqliteStateStore.open(path);
    assert.deepEqual(await reopened.hmacKey(), key);
    await reopened.close();
  });

  it("keeps working on a store made with the earlier tables (records with a rowid, history with AUTOINCREMENT)", async () => {
    const path = join(dir, "earlier.db");
    const earlier = new Database(path);
    earlier.exec(`
CREATE TABLE records (deployment TEXT NOT NULL, key TEXT NOT NULL, source_id TEXT NOT NULL, secret_id TEXT, version TEXT,
  version_order REAL, hash TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (deployment, key));
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, deployment TEXT NOT NULL, key TEXT NOT NULL, action TEXT NOT NULL,
  layer TEXT NOT NULL, source_id TEXT, secret_id TEXT, version TEXT, hash TEXT, trigger TEXT NOT NULL, applied_at TEXT NOT NULL);
INSERT INTO records VALUES ('dev', 'conn:old', 'team', NULL, NULL, NULL, 'aa', '2026-01-01T00:00:00.000Z');`);
    earlier.close();
    const store = SqliteStateStore.open(path);
    await store.save("dev", [record("conn:db", "bb", { secretId: "db", version: "v2", versionOrder: 2 })], ["conn:old"]);
    await store.appendHistory([
      {
        deploymentId: "dev",
        key: "conn:db",
        action: "create",
        layer: "backend",
        sourceId: "team",
        hash: "bb",
        trigger: "reconciliation",
        appliedAt: "2026-01-02T00:00:00.000Z",
      },
      {
        deploymentId: "dev",
        key: "conn:db",
        action: "update",
        layer: "backend",
        sourceId: "team",
        hash: "cc",
        trigger: "event",
        appliedAt: "2026-01-03T00:00:00.000Z",
      },
    ]);
    assert.deepEqual(
      [...(await store.load("dev")).values()],
      [record("conn:db", "bb", { secretId: "db", version: "v2", versionOrder: 2 })],
    );
    assert.deepEqual(
      (await store.readHistory({ key: "conn:db" })).map((e) => e.action),
      ["create", "update"],
    );
    await store.close();
  });

  it("makes new stores with records keyed by (deployment, key) alone and history numbered in write order", async () => {
    const path = join(dir, "fresh.db");
    const store = SqliteStateStore.open(path);
    const actions = ["create", "update", "delete"] as const;
    for (const [i, action] of actions.entries())
      await store.appendHistory([
        {
          deploymentId: "dev",
          key: "conn:db",
          action,
          layer: "backend",
          sourceId: "team",
          trigger: "reconciliation",
          appliedAt: `2026-01-0${i + 1}T00:00:00.000Z`,
        },
      ]);
    assert.deepEqual(
      (await store.readHistory({})).map((e) => e.action),
      actions,
    );
    await store.close();
    const db = new Database(path, { readonly: true });
    const sql = (name: string) => (db.prepare("SELECT sql FROM sqlite_master WHERE name = ?").get(name) as { sql: string }).sql;
    assert.match(sql("records"), /WITHOUT ROWID/);
    assert.doesNotMatch(sql("history"), /AUTOINCREMENT/);
    db.close();
  });

  it("opens read-only without creating or changing anything", async () => {
    const absent = join(dir, "absent", "state.db");
    assert.equal(SqliteStateStore.openReadOnly(absent), null);
    assert.equal(existsSync(join(dir, "absent")), false);

    const path = join(dir, "ro.db");
    const writer = SqliteStateStore.open(path);
    await writer.save("dev", [record("conn:db", "aa")], []);
    await writer.close();
    const digest = () => createHash("sha256").update(readFileSync(path)).digest("hex");
    const before = digest();

    const reader = SqliteStateStore.openReadOnly(path);
    assert.ok(reader !== null);
    assert.deepEqual([...(await reader.load("dev")).keys()], ["conn:db"]);
    const provisional = await reader.hmacKey();
    assert.deepEqual(await reader.hmacKey(), provisional, "stable within the run");
    await assert.rejects(reader.save("dev", [], ["conn:db"]), /read-only/);
    await reader.close();

    assert.equal(digest(), before);
    const again = SqliteStateStore.openReadOnly(path);
    assert.notDeepEqual(await again?.hmacKey(), provisional, "a provisional key is never stored");
    await again?.close();
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.startsWith("ro.db")),
      ["ro.db"],
    );
  });
});

runStateStoreContract("SqliteStateStore", async () => {
  const path = join(dir, "contract", "state.db");
  return { store: SqliteStateStore.open(path), reopen: async () => SqliteStateStore.open(path) };
});
runStateStoreContract("MemoryStateStore", async () => ({ store: new MemoryStateStore() }));
