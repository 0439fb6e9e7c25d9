import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, and the real `afsync` binary the end-to-end tests run as a user would. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const AFSYNC_BIN = join(REPO_ROOT, "packages/cli/bin/afsync.js");

export interface AfsyncBinaryRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface AfsyncBinaryOptions {
  /** Working directory; the repository root by default. */
  readonly cwd?: string;
  /** Added to this process's environment (which carries the test runner's loader and network guard). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Written to the binary's stdin, which is then closed. */
  readonly stdin?: string | Uint8Array;
}

/** Runs `afsync <args>` to completion and collects its output. */
export function runAfsyncBinary(args: readonly string[], options: AfsyncBinaryOptions = {}): Promise<AfsyncBinaryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AFSYNC_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

/** A finished run; a run killed by a signal (no exit code) reads as code 1. */
export interface CompletedAfsyncRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `afsync <args> --config <configPath>`, with its stdout and stderr appended to `outputs`: an
 * end-to-end test keeps every run's output to check, at its end, that no secret leaked into any.
 */
export async function runAfsyncRecorded(
  args: readonly string[],
  configPath: string,
  outputs: string[],
  options: AfsyncBinaryOptions = {},
): Promise<CompletedAfsyncRun> {
  const run = await runAfsyncBinary([...args, "--config", configPath], options);
  outputs.push(run.stdout, run.stderr);
  return { ...run, code: run.code ?? 1 };
}
