import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AfsyncError, type Logger, RunLockedError } from "@afsync/core";
import { FileRunLock, isProcessAlive, RUN_LOCK_SUFFIX } from "../src/FileRunLock.ts";
import { makeTempDir } from "./tempDir.ts";

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return { lines, log: (level, message, fields) => lines.push({ level, message, ...(fields === undefined ? {} : { fields }) }) };
}

/** The pid of a process that has already exited (so no process of this host has it right now). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(child.stdout);
  assert.equal(isProcessAlive(pid), false, "the child has exited");
  return pid;
}

describe("FileRunLock", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir, cleanup } = await makeTempDir("afsync-runlock-"));
  });
  after(() => cleanup());

  const lockOf = (name: string) => join(dir, `${name}${RUN_LOCK_SUFFIX}`);

  it("takes a lock file per resource recording who holds it, and removes them on release", async () => {
    const lock = new FileRunLock({ resources: [join(dir, "state.db"), join(dir, ".env")], command: "afsync sync", waitMs: 0 });
    const release = await lock.acquire();
    for (const name of ["state.db", ".env"]) {
      const record = JSON.parse(readFileSync(lockOf(name), "utf8")) as Record<string, unknown>;
      assert.equal(record.pid, process.pid);
      assert.equal(record.command, "afsync sync");
      assert.equal(typeof record.host, "string");
      assert.ok(!Number.isNaN(Date.parse(String(record.since))));
    }
    await release();
    assert.equal(existsSync(lockOf("state.db")), false);
    assert.equal(existsSync(lockOf(".env")), false);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes("afsync-lock")),
      [],
      "no temp files left",
    );
  });

  it("fails at once, naming the holder's pid, host, time and command, when another live run holds it and no wait is allowed", async () => {
    const holder = new FileRunLock({ resources: [join(dir, "a.yaml")], command: "afsync serve", waitMs: 0 });
    const release = await holder.acquire();
    const other = new FileRunLock({ resources: [join(dir, "a.yaml")], command: "afsync sync", waitMs: 0 });
    await assert.rejects(other.acquire(), (error: unknown) => {
      assert.ok(error instanceof RunLockedError);
      assert.equal(error.code, "RUN_LOCKED");
      assert.match(error.message, new RegExp(`a\\.yaml is locked by 'afsync serve' \\(pid ${process.pid} on host [^ ]+, since \\d{4}-`));
      assert.match(error.message, /--wait-lock/);
      return true;
    });
    await release();
  });

  it("takes none of its locks when one of them is held (all or nothing)", async () => {
    const holder = new FileRunLock({ resources: [join(dir, "b2")], command: "afsync sync", waitMs: 0 });
    const release = await holder.acquire();
    const other = new FileRunLock({ resources: [join(dir, "b1"), join(dir, "b2"), join(dir, "b3")], command: "afsync sync", waitMs: 0 });
    await assert.rejects(other.acquire(), RunLockedError);
    assert.equal(existsSync(lockOf("b1")), false, "the lock taken before the busy one was given back");
    assert.equal(existsSync(lockOf("b3")), false);
    await release();
  });

  it("waits for the holder to release, then takes the lock, logging once that it waits", async () => {
    const holder = new FileRunLock({ resources: [join(dir, "c")], command: "afsync serve", waitMs: 0 });
    const release = await holder.acquire();
    const logger = recordingLogger();
    const waiter = new FileRunLock({ resources: [join(dir, "c")], command: "afsync sync", waitMs: 10_000, pollMs: 10, logger });
    let acquired = false;
    const pending = waiter.acquire().then((r) => {
      acquired = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(acquired, false, "still waiting while the holder runs");
    await release();
    const releaseWaiter = await pending;
    assert.equal(JSON.parse(readFileSync(lockOf("c"), "utf8")).command, "afsync sync");
    assert.deepEqual(
      logger.lines.map((l) => l.message),
      ["waiting for another afsync run to finish"],
    );
    await releaseWaiter();
  });

  it("gives up after the wait with the holder named", async () => {
    const release = await new FileRunLock({ resources: [join(dir, "d")], command: "afsync serve", waitMs: 0 }).acquire();
    const started = Date.now();
    await assert.rejects(
      new FileRunLock({ resources: [join(dir, "d")], command: "afsync sync", waitMs: 200, pollMs: 10 }).acquire(),
      /d is locked by 'afsync serve' .* and was not released within 0.2 s/,
    );
    assert.ok(Date.now() - started >= 200, "it waited");
    await release();
  });

  it("takes over a lock left by a process of this host that is no longer running, with a warning", async () => {
    const pid = deadPid();
    const stale = { pid, host: "this-host", since: "2026-01-01T00:00:00.000Z", command: "afsync sync", token: "old" };
    writeFileSync(lockOf("e"), JSON.stringify(stale));
    const logger = recordingLogger();
    const lock = new FileRunLock({ resources: [join(dir, "e")], command: "afsync sync", waitMs: 0, host: "this-host", logger });
    const release = await lock.acquire();
    assert.equal(JSON.parse(readFileSync(lockOf("e"), "utf8")).pid, process.pid);
    const warning = logger.lines.find((l) => l.level === "warn");
    assert.equal(warning?.message, "took over a run lock left by a process that is no longer running");
    assert.match(String(warning?.fields?.previousHolder), new RegExp(`pid ${pid} on this-host since 2026-01-01`));
    assert.equal(existsSync(`${lockOf("e")}.takeover`), false, "the takeover guard is gone");
    await release();
  });

  it("never takes over a lock held on another host, and says how to clear it", async () => {
    const foreign = { pid: deadPid(), host: "build-agent-7", since: "2026-01-01T00:00:00.000Z", command: "afsync sync", token: "x" };
    writeFileSync(lockOf("f"), JSON.stringify(foreign));
    const lock = new FileRunLock({ resources: [join(dir, "f")], command: "afsync sync", waitMs: 0, host: "this-host" });
    await assert.rejects(lock.acquire(), (error: unknown) => {
      assert.ok(error instanceof RunLockedError);
      assert.match(error.message, /on host build-agent-7/);
      assert.ok(error.message.includes(`If no afsync runs on host build-agent-7 any more, delete ${lockOf("f")}`));
      return true;
    });
    assert.equal(JSON.parse(readFileSync(lockOf("f"), "utf8")).token, "x", "left in place");
  });

  it("lets exactly one of many runs that find the same stale lock take it over", async () => {
    writeFileSync(
      lockOf("g"),
      JSON.stringify({ pid: deadPid(), host: "h", since: "2026-01-01T00:00:00Z", command: "afsync sync", token: "t" }),
    );
    const runs = Array.from({ length: 8 }, (_, i) =>
      new FileRunLock({
        resources: [join(dir, "g")],
        command: `run ${i}`,
        waitMs: 0,
        host: "h",
        pid: 100_000 + i,
        isAlive: (p) => p >= 100_000,
      })
        .acquire()
        .then(
          () => "won",
          (e: unknown) => (e instanceof RunLockedError ? "busy" : String(e)),
        ),
    );
    const outcomes = await Promise.all(runs);
    assert.equal(outcomes.filter((o) => o === "won").length, 1, outcomes.join(","));
    assert.equal(outcomes.filter((o) => o === "busy").length, 7);
  });

  it("does not remove a lock another run took after this one's was taken over", async () => {
    const first = new FileRunLock({ resources: [join(dir, "h")], command: "first", waitMs: 0, host: "h", pid: 1, isAlive: () => false });
    const releaseFirst = await first.acquire();
    const second = new FileRunLock({ resources: [join(dir, "h")], command: "second", waitMs: 0, host: "h", pid: 2, isAlive: () => false });
    const releaseSecond = await second.acquire();
    await releaseFirst();
    assert.equal(JSON.parse(readFileSync(lockOf("h"), "utf8")).command, "second", "the first run's release left the second's lock");
    await releaseSecond();
    assert.equal(existsSync(lockOf("h")), false);
  });

  it("locks nothing for a file whose directory does not exist (the target reports that itself)", async () => {
    const release = await new FileRunLock({ resources: [join(dir, "missing", ".env")], command: "afsync sync", waitMs: 0 }).acquire();
    assert.equal(existsSync(join(dir, "missing")), false);
    await release();
  });

  it("names the lock file and the OS's reason when it cannot create one", async () => {
    // A path below a regular file: its "directory" exists but is not one (ENOTDIR). A read-only
    // directory (EACCES) takes the same path, but root, which runs these tests in CI, ignores modes.
    const file = join(dir, "plain-file");
    writeFileSync(file, "");
    await assert.rejects(
      new FileRunLock({ resources: [join(file, ".env")], command: "afsync sync", waitMs: 0 }).acquire(),
      (error: unknown) =>
        error instanceof AfsyncError && error.code === "RUN_LOCK_FAILED" && /plain-file\/\.env\.afsync-lock: ENOTDIR/.test(error.message),
    );
  });

  it("treats an unreadable lock record as held, and says which file to delete if no run is going on", async () => {
    writeFileSync(lockOf("i"), "not a lock record");
    await assert.rejects(
      new FileRunLock({ resources: [join(dir, "i")], command: "afsync sync", waitMs: 0 }).acquire(),
      (error: unknown) => {
        assert.ok(error instanceof RunLockedError);
        assert.match(error.message, /its lock record is unreadable/);
        assert.ok(error.message.includes(`If no afsync run is going on, delete ${lockOf("i")}.`));
        return true;
      },
    );
  });
});
