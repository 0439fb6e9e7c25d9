import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AFSYNC_BIN, type AfsyncBinaryRun, REPO_ROOT, runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";

/** Helpers for the local-mode end-to-end tests: the real `afsync` binary on temporary directories. */
export { AFSYNC_BIN, REPO_ROOT };
export const EXAMPLE_DIR = join(REPO_ROOT, "examples/local");

function childEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}

/** A temp copy of examples/local (without any .afsync state), removed by `cleanup`. */
export async function copyExample(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), "afsync-e2e-"));
  const dir = join(root, "example");
  await cp(EXAMPLE_DIR, dir, { recursive: true, filter: (from) => !from.includes(".afsync") });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export type CliResult = AfsyncBinaryRun;

/** Runs `afsync <args>` to completion. */
export function runAfsync(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return runAfsyncBinary(args, options);
}

export interface ServeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the output once `pattern` appears in stdout (after `from` characters). */
  waitForOutput(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `afsync serve <args>` and resolves once it prints its status-page URL. */
export async function startServe(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [AFSYNC_BIN, "serve", ...args], { cwd: options.cwd, env: childEnv(options.env) });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // A bound on waiting, not a timing check: a loaded 2-core machine can take tens of seconds to
  // start the binary (tsx compiles on first run) and do its first sync.
  const waitForOutput = (pattern: RegExp, o?: { from?: number; timeoutMs?: number }) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out.slice(o?.from ?? 0))) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(out);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${pattern} in serve output:\n${out}\nstderr:\n${err}`));
      }, o?.timeoutMs ?? 60_000);
      listeners.add(check);
      void exited.then(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`serve exited before printing ${pattern}:\n${out}\nstderr:\n${err}`));
        }
      });
      check();
    });
  let banner: string;
  try {
    banner = await waitForOutput(/Status page: (http:\/\/\S+)/);
  } catch (error) {
    // A serve that never came up must not outlive the test: its open pipes would keep the test
    // file's process (and so the whole run) waiting for ever.
    if (child.exitCode === null) child.kill("SIGKILL");
    throw error;
  }
  const url = (/Status page: (http:\/\/\S+?)\/?\n/.exec(banner)?.[1] ?? "").replace(/\/$/, "");
  return {
    url,
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
