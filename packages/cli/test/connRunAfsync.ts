import { type AfsyncBinaryRun, REPO_ROOT, runAfsyncBinary } from "@afsync/testing/runAfsyncBinary";

/** The repository root (with a trailing slash); tests run the real binary from there, as a user would. */
export const repoRoot = REPO_ROOT;

export type AfsyncRun = AfsyncBinaryRun;

/** Spawns the real `afsync` binary with `stdin` piped in. */
export function runAfsync(args: readonly string[], stdin: string | Uint8Array = "", cwd = repoRoot): Promise<AfsyncRun> {
  return runAfsyncBinary(args, { stdin, cwd });
}
