import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { atomicWriteFile, readFileIfExists } from "../src/atomicWrite.ts";
import { makeTempDir } from "./tempDir.ts";

describe("atomicWriteFile", () => {
  it("creates missing parent directories and writes the file 0600", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, "a", "b", "secrets.env");
      await atomicWriteFile(path, "X=1\n");
      assert.equal(await readFile(path, "utf8"), "X=1\n");
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    } finally {
      await cleanup();
    }
  });

  it("narrows a world-readable file to 0600 when it replaces it, leaving no temp file behind", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      const path = join(dir, ".env");
      await writeFile(path, "OLD=1\n", { mode: 0o644 });
      await atomicWriteFile(path, "NEW=2\n");
      assert.equal(await readFile(path, "utf8"), "NEW=2\n");
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.deepEqual(await readdir(dir), [".env"]);
    } finally {
      await cleanup();
    }
  });

  it("fails with a named error and keeps the old file when the target cannot be replaced", async () => {
    const { dir, cleanup } = await makeTempDir();
    try {
      // A directory where the file should be: rename fails, the directory (old content) stays.
      const path = join(dir, "taken");
      await atomicWriteFile(join(path, "inner"), "keep");
      await assert.rejects(atomicWriteFile(path, "new"), (error: Error & { code?: string }) => error.code === "WRITE_FAILED");
      assert.equal(await readFile(join(path, "inner"), "utf8"), "keep");
      assert.deepEqual(await readdir(dir), ["taken"]);
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
