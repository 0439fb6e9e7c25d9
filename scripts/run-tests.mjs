#!/usr/bin/env node
// Runs every test file in the repository with node's own test runner (CI reads its counts
// natively) and closes with a plain "N passed, N failed" line.
//
// Usage: node scripts/run-tests.mjs [path-substring ...]   (filters the files to run)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const roots = ["packages", "functions", "test"];
const skipDirs = new Set(["node_modules", ".serverless", ".esbuild", "dist", ".afsync"]);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => collect(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

const tapFile = join(mkdtempSync(join(tmpdir(), "afsync-tests-")), "results.tap");
// NODE_OPTIONS reaches every test process and every `afsync` binary the tests spawn, so the
// loopback-only network guard and the TypeScript loader apply everywhere.
const env = {
  ...process.env,
  // Absolute paths: a test may spawn the binary with a temporary directory as its cwd, where a
  // bare "tsx" would not resolve.
  NODE_OPTIONS:
    `${process.env.NODE_OPTIONS ?? ""} --import ${import.meta.resolve("tsx")} --import ${pathToFileURL(join(root, "scripts/network-guard.mjs")).href}`.trim(),
  AFSYNC_NETWORK_GUARD: "1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  SLS_TELEMETRY_DISABLED: "1",
  SLS_NOTIFICATIONS_MODE: "off",
  METADATA_SERVER_DETECTION: "none",
  AWS_EC2_METADATA_DISABLED: "true",
  NO_COLOR: process.env.NO_COLOR ?? "1",
};
const args = [
  "--test",
  "--test-concurrency=2",
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
  "--test-reporter=tap",
  `--test-reporter-destination=${tapFile}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, env, stdio: "inherit" });
child.on("exit", (code, signal) => {
  let passed = 0;
  let failed = 0;
  try {
    const tap = readFileSync(tapFile, "utf8");
    passed = Number(/^# pass (\d+)$/m.exec(tap)?.[1] ?? 0);
    failed = Number(/^# fail (\d+)$/m.exec(tap)?.[1] ?? 0);
  } catch {
    failed = Math.max(failed, 1);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (signal ? 1 : 0));
});
