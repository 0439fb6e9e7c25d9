#!/usr/bin/env node
// Makes sure Debian's Chromium is installed for the browser tests (test/*-browser.test.ts), the
// way the project installs what it needs: if /usr/bin/chromium is missing and apt-get is usable
// (root, or passwordless sudo), `apt-get update && apt-get install -y chromium`. Playwright's own
// browser download is never used (only the npm registry and Debian are reachable).
//
//   node scripts/ensure-chromium.mjs      installs if needed; exit 0 with the path, 1 with why not
//   import { ensureChromium } from ".../scripts/ensure-chromium.mjs"
//     → { ok: true, executablePath } | { ok: false, reason }
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Debian's path; AFSYNC_CHROMIUM_PATH overrides it (another distribution's build, or a test of this script). */
export const CHROMIUM_PATH = process.env.AFSYNC_CHROMIUM_PATH ?? "/usr/bin/chromium";

/** How to run apt-get here: directly as root, through passwordless sudo, or not at all (and why). */
function aptRunner() {
  if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0)
    return { ok: false, reason: "apt-get is not available (not a Debian-like system)" };
  if (typeof process.getuid === "function" && process.getuid() === 0) return { ok: true, prefix: [] };
  if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) return { ok: true, prefix: ["sudo", "-n"] };
  return { ok: false, reason: "not root and no passwordless sudo, so apt-get cannot install it" };
}

// The test runner runs two files at once, and each browser test file calls this first: one
// install at a time (apt/dpkg would refuse the second), the others wait and find it installed.
const LOCK_PATH = join(tmpdir(), "afsync-ensure-chromium.lock");
const LOCK_WAIT_MS = 10 * 60_000;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function withInstallLock(install) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      closeSync(openSync(LOCK_PATH, "wx"));
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      // A lock older than the longest wait was left by a killed run.
      try {
        if (Date.now() - statSync(LOCK_PATH).mtimeMs > LOCK_WAIT_MS) rmSync(LOCK_PATH, { force: true });
      } catch {}
      if (Date.now() > deadline)
        return { ok: false, reason: `another install held ${LOCK_PATH} for over ${LOCK_WAIT_MS / 60_000} minutes` };
      sleepSync(500);
    }
  }
  try {
    return existsSync(CHROMIUM_PATH) ? { ok: true, executablePath: CHROMIUM_PATH } : install();
  } finally {
    rmSync(LOCK_PATH, { force: true });
  }
}

function run(command, args) {
  const result = spawnSync(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0
    ? null
    : `${[command, ...args].join(" ")} exited ${result.status}: ${(result.stderr ?? "").trim().split("\n").slice(-3).join(" / ")}`;
}

/** Installs Chromium from Debian when it is missing and can be installed; says why not otherwise. */
export function ensureChromium() {
  if (existsSync(CHROMIUM_PATH)) return { ok: true, executablePath: CHROMIUM_PATH };
  const apt = aptRunner();
  if (!apt.ok) return { ok: false, reason: `${CHROMIUM_PATH} is missing and ${apt.reason}` };
  const [cmd, ...pre] = apt.prefix.length === 0 ? ["apt-get"] : [...apt.prefix, "apt-get"];
  // Wait for another apt user (unattended upgrades) rather than fail on dpkg's lock.
  const lockTimeout = ["-o", "DPkg::Lock::Timeout=300"];
  return withInstallLock(() => {
    const failed =
      run(cmd, [...pre, ...lockTimeout, "update"]) ??
      run(cmd, [...pre, ...lockTimeout, "install", "-y", "--no-install-recommends", "chromium"]);
    if (failed !== null) return { ok: false, reason: `${CHROMIUM_PATH} is missing and installing it failed: ${failed}` };
    if (!existsSync(CHROMIUM_PATH)) return { ok: false, reason: `apt-get installed chromium but ${CHROMIUM_PATH} is still missing` };
    return { ok: true, executablePath: CHROMIUM_PATH };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = ensureChromium();
  if (result.ok) console.log(result.executablePath);
  else console.error(`Chromium unavailable: ${result.reason}`);
  process.exit(result.ok ? 0 : 1);
}
