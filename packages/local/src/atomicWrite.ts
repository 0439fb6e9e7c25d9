import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { AfsyncError } from "@afsync/core";

/** Owner read/write only: every file afsync writes may hold secrets. */
export const SECRET_FILE_MODE = 0o600;

/** How a local target writes its file. */
export interface TargetFileOptions {
  /** Create missing parent directories (0700). Off by default: a typo in a path must not look like success. */
  readonly createDirs?: boolean;
}

/**
 * Writes `content` to `path` so that a reader sees either the old file or the new one, never a
 * half-written one: a temp file in the same directory (rename is only atomic within one file
 * system), flushed to disk, then renamed over the target. A new file is 0600 whatever the umask,
 * because it holds secrets; a file that exists keeps its mode (someone chose it), and a file
 * without the owner's write bit (0444) is an error: read-only means "do not replace".
 */
export async function atomicWriteFile(path: string, content: string, options: TargetFileOptions = {}): Promise<void> {
  const dir = dirname(path);
  const existing = await checkTargetFile(path, options);
  if (options.createDirs === true) {
    await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
      throw writeFailed(path, error);
    });
  }
  const mode = existing === null ? SECRET_FILE_MODE : existing.mode & 0o7777;
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", SECRET_FILE_MODE);
    try {
      await handle.writeFile(content, "utf8");
      // Set explicitly: a umask can only remove bits, and an inherited ACL or odd umask must not
      // widen a new file's; an existing file's mode is restored exactly.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
    await removeDeadWritersTempFiles(dir, basename(path));
  } catch (error) {
    if (!renamed) await rm(temp, { force: true });
    throw writeFailed(path, error);
  }
}

/**
 * What a local target checks before it reads or writes its file: the directory exists (unless
 * `createDirs`), the path is not a directory, and an existing file is writable by its owner.
 * Returns the file's stats, or null when it does not exist yet.
 */
export async function checkTargetFile(path: string, options: TargetFileOptions = {}): Promise<Stats | null> {
  const existing = await statIfExists(path);
  if (existing === null) {
    if (options.createDirs !== true && (await statIfExists(dirname(path))) === null) {
      throw new AfsyncError(
        "TARGET_DIRECTORY_MISSING",
        `${path}: the directory ${dirname(path)} does not exist; create it, fix the path, or set create_dirs: true on the target`,
      );
    }
    return null;
  }
  if (!existing.isFile()) throw new AfsyncError("INVALID_TARGET_FILE", `${path} is not a regular file`);
  if ((existing.mode & 0o200) === 0) {
    throw new AfsyncError(
      "TARGET_READ_ONLY",
      `${path} is read-only (mode ${(existing.mode & 0o777).toString(8).padStart(4, "0")}); afsync does not replace a read-only file: make it writable or point the target elsewhere`,
    );
  }
  return existing;
}

async function statIfExists(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (isNodeError(error) && (error.code === "ENOENT" || error.code === "ENOTDIR")) return null;
    throw new AfsyncError("READ_FAILED", `could not inspect ${path}: ${describeFsError(error)}`, { cause: error, errorClass: "transient" });
  }
}

function writeFailed(path: string, error: unknown): AfsyncError {
  return new AfsyncError("WRITE_FAILED", `could not write ${path}: ${describeFsError(error)}`, { cause: error, errorClass: "transient" });
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

/**
 * A run killed between creating its temp file and the rename (`kill -9`, a crash, a power cut)
 * leaves `.<file>.<pid>.<hex>.tmp` behind, holding the secrets it was about to write. The next
 * write of that file removes those whose writer is no longer running on this host. Best effort: a
 * temp file it cannot remove is left for the next write.
 */
async function removeDeadWritersTempFiles(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(/^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return isNodeError(error) && error.code === "EPERM";
  }
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
