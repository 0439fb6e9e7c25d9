import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";

/** With --json, a command's error is one JSON object on stdout, and stderr stays empty of it. */
describe("--json errors", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "afsync-json-errors-"));
    writeFileSync(join(dir, "afsync.yaml"), "sources: [not, a, map]\n");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function jsonError(args: string[]): Promise<{ code: number | null; error: { command: string; code: string; message: string } }> {
    const run = await runAfsyncBinary(args, { cwd: dir });
    const parsed = JSON.parse(run.stdout) as { error: { command: string; code: string; message: string } };
    assert.doesNotMatch(run.stderr, new RegExp(parsed.error.message.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    return { code: run.code, error: parsed.error };
  }

  it("plan, sync, explain, history and rollback print an invalid config as JSON, exit 1", async () => {
    for (const args of [["plan"], ["sync"], ["explain", "var:x"], ["history"], ["rollback", "var:x", "--to", "1"]]) {
      const { code, error } = await jsonError([...args, "--json"]);
      assert.equal(code, 1, args.join(" "));
      assert.equal(error.command, args[0]);
      assert.equal(error.code, "INVALID_CONFIG");
      assert.match(error.message, /sources/);
    }
  });

  it("prints usage errors as JSON, exit 2", async () => {
    const { code, error } = await jsonError(["history", "--json", "--bogus"]);
    assert.equal(code, 2);
    assert.deepEqual([error.command, error.code], ["history", "USAGE"]);
    assert.match(error.message, /--bogus/);
    const explain = await jsonError(["explain", "not-a-key", "--json"]);
    assert.match(explain.error.message, /'not-a-key' is not a key/);
  });
});
