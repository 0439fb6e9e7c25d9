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
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** How to run apt-get here: directly as root, through passwordless sudo, or not at all (and why). */
function aptRunner() {
  if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0)
    return { ok: false, reason: "apt-get is not available (not a Debian-like system)" };
  if (typeof process.getuid === "function" && process.getuid() === 0) return { ok: true, prefix: [] };
  if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) return { ok: true, prefix: ["sudo", "-n"] };
  return { ok: false, reason: "not root and no passwordless sudo, so apt-get cannot install it" };
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
  const failed = run(cmd, [...pre, "update"]) ?? run(cmd, [...pre, "install", "-y", "--no-install-recommends", "chromium"]);
  if (failed !== null) return { ok: false, reason: `${CHROMIUM_PATH} is missing and installing it failed: ${failed}` };
  if (!existsSync(CHROMIUM_PATH)) return { ok: false, reason: `apt-get installed chromium but ${CHROMIUM_PATH} is still missing` };
  return { ok: true, executablePath: CHROMIUM_PATH };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = ensureChromium();
  if (result.ok) console.log(result.executablePath);
  else console.error(`Chromium unavailable: ${result.reason}`);
  process.exit(result.ok ? 0 : 1);
}
