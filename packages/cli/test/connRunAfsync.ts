import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root; tests run the real binary from there, as a user would. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface AfsyncRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `node packages/cli/bin/afsync.js ...args` with `stdin` piped in. */
export function runAfsync(args: readonly string[], stdin = "", cwd = repoRoot): Promise<AfsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${repoRoot}packages/cli/bin/afsync.js`, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
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
    child.stdin.end(stdin);
  });
}
