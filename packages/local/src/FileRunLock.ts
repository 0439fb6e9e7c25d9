import { randomUUID } from "node:crypto";
import { existsSync, linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import {
  AfsyncError,
  type Logger,
  type RunLock,
  RunLockedError,
  type RunLockHolder,
  type RunLockRelease,
  silentLogger,
} from "@afsync/core";

/** Next to each locked file: `.afsync/state.db.afsync-lock`, `.env.afsync-lock`. */
export const RUN_LOCK_SUFFIX = ".afsync-lock";

/**
 * How long `afsync sync` waits for another run by default. A serve run or a small sync is over
 * in seconds, so a user who starts a sync meanwhile expects it to go through, not to fail; a
 * run still holding the lock after this long is stuck or very large, and that is worth an error.
 */
export const DEFAULT_RUN_LOCK_WAIT_MS = 30_000;

/** A takeover guard older than this was left by a process that died in the middle of one. */
const TAKEOVER_GUARD_STALE_MS = 30_000;

export interface FileRunLockOptions {
  /** The files a run must own alone: the SQLite state store and every local target file. */
  readonly resources: readonly string[];
  /** What is shown to a run that finds the lock taken, e.g. `afsync sync`. */
  readonly command: string;
  /** How long to wait for another run to finish; 0 fails at once. */
  readonly waitMs: number;
  readonly logger?: Logger;
  /** First pause between attempts while waiting; it doubles up to a second. */
  readonly pollMs?: number;
  /** This process as the lock records it (tests pose as another process or host). */
  readonly pid?: number;
  readonly host?: string;
  /** Whether a process of this host is still running (tests replace it). */
  readonly isAlive?: (pid: number) => boolean;
}

interface LockRecord extends RunLockHolder {
  /** Tells this acquisition's file from a later one at the same path (release, takeover). */
  readonly token: string;
}

type Attempt =
  | { readonly ok: true; readonly lockFile?: string }
  | { readonly ok: false; readonly resource: string; readonly lockFile: string; readonly holder: RunLockHolder | undefined };

/**
 * A cross-process run lock made of lock files, one per resource, each holding who took it (pid,
 * host, time, command). See docs/development/adr/006-run-lock.md.
 *
 * - A lock file is created complete and atomically: the record is written to a private temp
 *   file, then hard-linked to the lock name; `link(2)` fails with EEXIST if the name exists, so
 *   exactly one process wins, and no reader ever sees a half-written record.
 * - All of a run's locks are taken in one sorted order, and a run that finds one taken gives
 *   back what it holds before waiting, so two runs can never deadlock.
 * - A lock whose holder was on this host and is no longer running (killed, crashed) is taken
 *   over, with a log line. The takeover itself runs under a second lock file (the guard), so two
 *   runs that both find the stale lock cannot both take it.
 * - A holder on another host is never presumed dead; the error says how to clear it.
 */
export class FileRunLock implements RunLock {
  readonly #o: FileRunLockOptions;
  readonly #resources: readonly string[];
  readonly #pid: number;
  readonly #host: string;
  readonly #isAlive: (pid: number) => boolean;
  readonly #logger: Logger;

  constructor(options: FileRunLockOptions) {
    this.#o = options;
    this.#resources = [...new Set(options.resources.map((r) => resolve(r)))].sort();
    this.#pid = options.pid ?? process.pid;
    this.#host = options.host ?? hostname();
    this.#isAlive = options.isAlive ?? isProcessAlive;
    this.#logger = options.logger ?? silentLogger;
  }

  async acquire(): Promise<RunLockRelease> {
    const started = Date.now();
    let pause = this.#o.pollMs ?? 50;
    let announced = false;
    for (;;) {
      const heldFiles: string[] = [];
      let busy: Extract<Attempt, { ok: false }> | undefined;
      const record: LockRecord = {
        pid: this.#pid,
        host: this.#host,
        since: new Date().toISOString(),
        command: this.#o.command,
        token: randomUUID(),
      };
      for (const resource of this.#resources) {
        let attempt: Attempt;
        try {
          attempt = this.#tryLock(resource, record);
        } catch (error) {
          releaseAll(heldFiles, record.token);
          throw lockFileError(resource, error);
        }
        if (!attempt.ok) {
          busy = attempt;
          break;
        }
        if (attempt.lockFile !== undefined) heldFiles.push(attempt.lockFile);
      }
      if (busy === undefined) return async () => releaseAll(heldFiles, record.token);
      releaseAll(heldFiles, record.token);
      const waited = Date.now() - started;
      if (waited >= this.#o.waitMs) {
        throw new RunLockedError({ ...busy, waitedMs: this.#o.waitMs, thisHost: this.#host });
      }
      if (!announced) {
        announced = true;
        this.#logger.log("warn", "waiting for another afsync run to finish", {
          resource: busy.resource,
          ...(busy.holder === undefined ? {} : { holder: describeHolder(busy.holder) }),
          waitSeconds: Math.round(this.#o.waitMs / 1000),
        });
      }
      await sleep(Math.min(pause, this.#o.waitMs - waited));
      pause = Math.min(pause * 2, 1_000);
    }
  }

  #tryLock(resource: string, record: LockRecord): Attempt {
    const lockFile = `${resource}${RUN_LOCK_SUFFIX}`;
    // A file in a directory that does not exist yet cannot be written by anyone at the moment;
    // the target reports that itself, so there is nothing to lock.
    if (!existsSync(dirname(lockFile))) return { ok: true };
    if (createExclusive(lockFile, record)) return { ok: true, lockFile };
    const holder = readRecord(lockFile);
    if (holder === null) return this.#retryAfterRace(resource, lockFile, record);
    if (holder !== undefined && holder.host === this.#host && !this.#isAlive(holder.pid)) {
      return this.#takeOver(resource, lockFile, holder, record);
    }
    return { ok: false, resource, lockFile, holder };
  }

  /** The holder released between our create and our read: one more try, then it counts as busy. */
  #retryAfterRace(resource: string, lockFile: string, record: LockRecord): Attempt {
    if (createExclusive(lockFile, record)) return { ok: true, lockFile };
    return { ok: false, resource, lockFile, holder: readRecord(lockFile) ?? undefined };
  }

  #takeOver(resource: string, lockFile: string, stale: LockRecord, record: LockRecord): Attempt {
    const guard = `${lockFile}.takeover`;
    const guardRecord = { ...record, token: randomUUID() };
    if (!createExclusive(guard, guardRecord)) {
      removeIfOlderThan(guard, TAKEOVER_GUARD_STALE_MS);
      return { ok: false, resource, lockFile, holder: stale };
    }
    try {
      // Under the guard, look again: only the very record found stale may be removed.
      const now = readRecord(lockFile);
      if (now?.token === stale.token) unlinkQuietly(lockFile);
      if (!createExclusive(lockFile, record)) return { ok: false, resource, lockFile, holder: readRecord(lockFile) ?? undefined };
      this.#logger.log("warn", "took over a run lock left by a process that is no longer running", {
        resource,
        previousHolder: describeHolder(stale),
      });
      return { ok: true, lockFile };
    } finally {
      releaseAll([guard], guardRecord.token);
    }
  }
}

/** A lock file that cannot be created or read (a read-only directory, say): named, with the OS's reason. */
function lockFileError(resource: string, error: unknown): AfsyncError {
  const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
  return new AfsyncError("RUN_LOCK_FAILED", `cannot take the run lock ${resource}${RUN_LOCK_SUFFIX}: ${reason}`, { cause: error });
}

/** `kill(pid, 0)` checks without signalling: ESRCH means gone, EPERM means alive but not ours. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function describeHolder(holder: RunLockHolder): string {
  return `'${holder.command}' pid ${holder.pid} on ${holder.host} since ${holder.since}`;
}

/** Creates `path` holding `record`, or returns false when it exists. */
function createExclusive(path: string, record: LockRecord): boolean {
  const temp = `${path}.${record.token}.tmp`;
  writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    unlinkQuietly(temp);
  }
}

/** The record, `undefined` when the file is unreadable as one, `null` when it is gone. */
function readRecord(path: string): LockRecord | undefined | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (
      typeof value.pid === "number" &&
      typeof value.host === "string" &&
      typeof value.since === "string" &&
      typeof value.command === "string" &&
      typeof value.token === "string"
    ) {
      return { pid: value.pid, host: value.host, since: value.since, command: value.command, token: value.token };
    }
  } catch {
    // not JSON: reported as an unreadable record
  }
  return undefined;
}

/** Removes each lock file that still holds this acquisition's token (never a later holder's). */
function releaseAll(lockFiles: readonly string[], token: string): void {
  for (const lockFile of lockFiles) if (readRecord(lockFile)?.token === token) unlinkQuietly(lockFile);
}

function removeIfOlderThan(path: string, ageMs: number): void {
  try {
    if (Date.now() - statSync(path).mtimeMs > ageMs) unlinkQuietly(path);
  } catch {
    // already gone
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
