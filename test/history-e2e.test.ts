/**
 * `afsync history` through the binary in local mode: team secret files synced into a `.env`
 * target, with afsync's SQLite state keeping every applied change (create, update, delete) with
 * its source, version, hash prefix and trigger, never a value.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { type CompletedAfsyncRun, runAfsyncRecorded } from "@afsync/testing/runAfsyncBinary";

const DB_PASSWORD = "history-e2e-db-Pa55-7c1d";
const TOKEN = "history-e2e-token-3f9a";
const TOKEN_ROTATED = "history-e2e-token-rotated-0b6e";

interface Entry {
  deploymentId: string;
  key: string;
  action: string;
  layer: string;
  sourceId?: string;
  version?: string;
  hash?: string;
  trigger: string;
  appliedAt: string;
}

let dir: string;
const outputs: string[] = [];

function writeSecrets(token: string, withDb: boolean): void {
  writeFileSync(
    join(dir, "secrets/connections.yaml"),
    withDb ? `warehouse_db:\n  conn_type: postgres\n  host: db.internal\n  password: ${DB_PASSWORD}\n` : "{}\n",
  );
  writeFileSync(join(dir, "secrets/variables.yaml"), `api_token: ${token}\n`);
}

function writeConfig(state: string): void {
  writeFileSync(
    join(dir, "afsync.yaml"),
    [
      "sources:",
      "  team-files:",
      "    type: local",
      "    connections_file_path: secrets/connections.yaml",
      "    variables_file_path: secrets/variables.yaml",
      "deployments:",
      "  dev:",
      "    target: { type: env-file, path: dev.env }",
      "    sources: [team-files]",
      "    deletion: delete",
      `state: ${state}`,
      "",
    ].join("\n"),
  );
}

function afsync(...args: string[]): Promise<CompletedAfsyncRun> {
  return runAfsyncRecorded(args, join(dir, "afsync.yaml"), outputs);
}

async function history(...args: string[]): Promise<Entry[]> {
  const { code, stdout, stderr } = await afsync("history", "--json", ...args);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { entries: Entry[] }).entries;
}

describe("afsync history (local files, SQLite state)", () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "afsync-history-e2e-"));
    mkdirSync(join(dir, "secrets"));
    writeSecrets(TOKEN, true);
    writeConfig("{ type: sqlite, path: .afsync/state.db }");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("is empty before the first sync", async () => {
    assert.deepEqual(await history(), []);
  });

  it("keeps every applied create, update and delete, oldest first", async () => {
    assert.equal((await afsync("sync")).code, 0);
    assert.equal((await afsync("sync")).code, 0); // nothing changed: nothing recorded
    writeSecrets(TOKEN_ROTATED, true);
    assert.equal((await afsync("sync")).code, 0);
    writeSecrets(TOKEN_ROTATED, false);
    assert.equal((await afsync("sync")).code, 0);

    const all = await history();
    assert.deepEqual(
      all.map((e) => `${e.key} ${e.action}`),
      ["conn:warehouse_db create", "var:api_token create", "var:api_token update", "conn:warehouse_db delete"],
    );
    for (const e of all) {
      assert.equal(e.deploymentId, "dev");
      assert.equal(e.layer, "environment-variables");
      assert.equal(e.trigger, "reconciliation");
      assert.ok(!Number.isNaN(Date.parse(e.appliedAt)));
    }
    const [create, update] = await history("var:api_token", "--deployment", "dev");
    assert.equal(create?.sourceId, "team-files");
    assert.ok(create?.version !== undefined && update?.version !== undefined);
    assert.notEqual(create?.hash, update?.hash, "the rotation shows as a new keyed hash");
  });

  it("prints a table, and refuses a key that is not one", async () => {
    const { code, stdout } = await afsync("history", "var:api_token");
    assert.equal(code, 0);
    assert.match(stdout, /APPLIED\s+DEPLOYMENT\s+KEY\s+ACTION/);
    assert.match(stdout, /dev\s+var:api_token\s+update\s+environment-variables\s+team-files@/);
    const bad = await afsync("history", "api_token");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /'api_token' is not a key/);
  });

  it("says plainly that no history is kept without SQLite state", async () => {
    writeConfig("{ type: memory }");
    const { code, stderr } = await afsync("history");
    assert.equal(code, 1);
    assert.match(stderr, /state\.type.*history only in its SQLite state/);
  });

  it("never printed a secret", () => {
    assertNoSecretLeak(outputs, [DB_PASSWORD, TOKEN, TOKEN_ROTATED]);
  });
});
