import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { atomicWriteFile, readFileIfExists } from "../src/atomicWrite.ts";
import { makeTempDir } from "./tempDir.ts";

describe("atomicWriteFile", () => {
  it("removes the temp files a killed writer left (they hold secrets), keeping a running writer's", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const dead = Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
      const path = join(dir, ".env");
      await writeFile(join(dir, `..env.${dead}.0a1b2c3d4e5f.tmp`), "SECRET=half-writ");
      await writeFile(join(dir, `..env.${process.ppid}.0a1b2c3d4e5f.tmp`), "SECRET=in-progress");
      await writeFile(join(dir, `.other.${dead}.0a1b2c3d4e5f.tmp`), "another file's");
      await atomicWriteFile(path, "X=1\n");
      assert.deepEqual(
        (await readdir(dir)).sort(),
        [`..env.${process.ppid}.0a1b2c3d4e5f.tmp`, ".env", `.other.${dead}.0a1b2c3d4e5f.tmp`].sort(),
      );
    } finally {
      await cleanup();
    }
  });

  it("creates missing parent directories only when asked to, and writes a new file 0600", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "a", "b", "secrets.env");
      await assert.rejects(
        atomicWriteFile(path, "X=1\n"),
        (error: Error & { code?: string }) => error.code === "TARGET_DIRECTORY_MISSING" && /create_dirs: true/.test(error.message),
      );
      assert.deepEqual(await readdir(dir), [], "nothing was created");
      await atomicWriteFile(path, "X=1\n", { createDirs: true });
      assert.equal(await readFile(path, "utf8"), "X=1\n");
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    } finally {
      await cleanup();
    }
  });

  it("keeps the mode of a file it replaces, leaving no temp file behind", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      await writeFile(path, "OLD=1\n");
      await chmod(path, 0o640);
      await atomicWriteFile(path, "NEW=2\n");
      assert.equal(await readFile(path, "utf8"), "NEW=2\n");
      assert.equal((await stat(path)).mode & 0o777, 0o640);
      assert.deepEqual(await readdir(dir), [".env"]);
    } finally {
      await cleanup();
    }
  });

  it("refuses to replace a read-only (0444) file and leaves it as it was", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      await writeFile(path, "OLD=1\n");
      await chmod(path, 0o444);
      await assert.rejects(
        atomicWriteFile(path, "NEW=2\n"),
        (error: Error & { code?: string }) => error.code === "TARGET_READ_ONLY" && error.message.includes("0444"),
      );
      assert.equal(await readFile(path, "utf8"), "OLD=1\n");
      assert.equal((await stat(path)).mode & 0o777, 0o444);
      assert.deepEqual(await readdir(dir), [".env"]);
    } finally {
      await cleanup();
    }
  });

  it("fails with a named error and keeps the old content when the target cannot be replaced", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      // A directory where the file should be.
      const path = join(dir, "taken");
      await mkdir(path);
      await writeFile(join(path, "inner"), "keep");
      await assert.rejects(atomicWriteFile(path, "new"), (error: Error & { code?: string }) => error.code === "INVALID_TARGET_FILE");
      // A regular file where the directory should be: the write cannot happen.
      await assert.rejects(
        atomicWriteFile(join(path, "inner", "x.env"), "new", { createDirs: true }),
        (error: Error & { code?: string }) => error.code === "WRITE_FAILED",
      );
      assert.equal(await readFile(join(path, "inner"), "utf8"), "keep");
      assert.deepEqual(await readdir(dir), ["taken"]);
      assert.deepEqual(await readdir(path), ["inner"]);
    } finally {
      await cleanup();
    }
  });

  it("readFileIfExists gives null for a missing file", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      assert.equal(await readFileIfExists(join(dir, "nope")), null);
    } finally {
      await cleanup();
    }
  });
});
