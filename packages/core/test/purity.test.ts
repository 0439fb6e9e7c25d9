import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * packages/core stays pure: no SDK, no I/O modules, no ambient environment, time, randomness or
 * console. Time, ids, hashing and logging reach it through ports. Comments are ignored.
 */
const srcDir = fileURLToPath(new URL("../src", import.meta.url));

const FORBIDDEN: readonly [RegExp, string][] = [
  [
    /from\s+["'](@aws-sdk\/|aws-sdk|@azure\/|@google-cloud\/|googleapis|node-vault|better-sqlite3|openapi-fetch)/,
    "an SDK or I/O client package",
  ],
  [
    /(?:from\s+|import\s*\(\s*|require\s*\(\s*)["'](node:)?(fs|fs\/promises|http|https|http2|net|tls|dgram|dns|child_process|crypto|worker_threads|cluster|os)["']/,
    "a node I/O, crypto or process module",
  ],
  [/\bprocess\.env\b/, "process.env"],
  [/\bprocess\.(stdout|stderr|stdin|exit|argv|cwd)\b/, "the process object"],
  [/\bconsole\./, "console"],
  [/\bDate\.now\s*\(/, "Date.now()"],
  [/\bnew\s+Date\s*\(\s*\)/, "new Date() without arguments"],
  [/\bMath\.random\s*\(/, "Math.random()"],
  [/\bfetch\s*\(/, "fetch()"],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Blanks out comments (keeping line numbers) so that a comment naming `console` is not a violation. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, " ")).replace(/(^|[^:"'\\])\/\/.*$/gm, "$1");
}

export function findViolations(source: string): string[] {
  const out: string[] = [];
  stripComments(source)
    .split("\n")
    .forEach((line, i) => {
      for (const [re, what] of FORBIDDEN) if (re.test(line)) out.push(`line ${i + 1}: ${what}`);
    });
  return out;
}

describe("packages/core purity", () => {
  it("finds the forbidden things it looks for (the check can fail)", () => {
    assert.equal(findViolations('import { readFileSync } from "node:fs";').length, 1);
    assert.equal(findViolations("const x = process.env.HOME;").length, 1);
    assert.equal(findViolations("const t = new Date();").length, 1);
    assert.equal(findViolations("// console.log is fine in a comment").length, 0);
    assert.equal(findViolations("const t = new Date(clock.now());").length, 0);
  });

  it("has no SDK, I/O, environment, console, clock or randomness in packages/core/src", () => {
    const all = files(srcDir);
    assert.ok(all.length > 10, "scans the sources");
    const problems = all.flatMap((f) => findViolations(readFileSync(f, "utf8")).map((v) => `${relative(srcDir, f)} ${v}`));
    assert.deepEqual(problems, []);
  });
});
