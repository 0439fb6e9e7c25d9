import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AfsyncError } from "@afsync/core";

/** Owner read/write only: every file afsync writes may hold secrets. */
export const SECRET_FILE_MODE = 0o600;

/**
 * Writes `content` to `path` so that a reader sees either the old file or the new one, never a
 * half-written one: a temp file in the same directory (rename is only atomic within one file
 * system), flushed to disk, then renamed over the target. The file ends up 0600 whatever the
 * umask or the previous file's mode was, because it holds secrets.
 */
export async function atomicWriteFile(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", SECRET_FILE_MODE);
    try {
      await handle.writeFile(content, "utf8");
      // A umask can only remove bits, but an inherited ACL or odd umask must not widen them.
      await handle.chmod(SECRET_FILE_MODE);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
  } catch (error) {
    if (!renamed) await rm(temp, { force: true });
    throw new AfsyncError("WRITE_FAILED", `could not write ${path}: ${describeFsError(error)}`, {
      cause: error,
      errorClass: "transient",
    });
  }
}

/** Reads a file that may not exist yet: null when absent, so a first sync starts from nothing. */
export async function readFileIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return null;
    throw new AfsyncError("READ_FAILED", `could not read ${path}: ${describeFsError(error)}`, { cause: error, errorClass: "transient" });
  }
}

/** Tightens an existing file to 0600 (used when a target file was created by hand with wider rights). */
export async function restrictMode(path: string): Promise<void> {
  await chmod(path, SECRET_FILE_MODE);
}

// The rename is only durable once the directory entry is flushed; some file systems refuse to
// open a directory for fsync (EISDIR/EPERM on some platforms), which is not worth failing a sync for.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort, see above
  }
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && "code" in error;
}

/** The errno code and syscall only: fs messages repeat the path, never file content. */
export function describeFsError(error: unknown): string {
  if (isNodeError(error)) return `${error.code ?? "error"} (${error.syscall ?? "fs"})`;
  return error instanceof Error ? error.message : String(error);
}
