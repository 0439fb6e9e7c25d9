/**
 * The Lambda bundles as they would ship: `serverless package` (offline) into a temp dir, then
 * per function the zip size, the unzipped JavaScript size, and a cold-start proxy: the median
 * time a fresh `node` process takes to `require()` the bundle (parse + evaluate module scope,
 * which builds nothing else: the handlers build their clients on the first invocation), over 11
 * runs. Prints one JSON object as its last stdout line.
 *
 *   npm run bench -- lambda-bundles
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageServerless, zipEntries } from "../test/support/packageServerless.ts";

const RUNS = 11;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const outDir = mkdtempSync(join(tmpdir(), "afsync-bench-sls-"));
try {
  const packaged = packageServerless(outDir);
  process.stderr.write(`serverless package: ${Math.round(packaged.durationMs)} ms\n`);
  const functions: Record<string, unknown> = {};
  for (const zip of readdirSync(outDir)
    .filter((f) => f.endsWith(".zip"))
    .sort()) {
    const name = zip.replace(/\.zip$/, "");
    const zipPath = join(outDir, zip);
    const entries = zipEntries(zipPath);
    const jsBytes = entries.filter((e) => /\.c?js$/.test(e.name)).reduce((sum, e) => sum + e.size, 0);
    const unpacked = join(outDir, `${name}-unzipped`);
    const unzip = spawnSync("unzip", ["-q", "-o", zipPath, "-d", unpacked], { encoding: "utf8" });
    if (unzip.status !== 0) throw new Error(`unzip ${zip} failed: ${unzip.stderr}`);
    const bundle = join(unpacked, "functions", "aws", "src", "handlers", `${name}.cjs`);
    const requireMs: number[] = [];
    const wallMs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      // No tsx, no network guard: a bare node as the Lambda runtime would start it.
      const child = spawnSync(
        process.execPath,
        [
          "-e",
          `const t=performance.now();const m=require(${JSON.stringify(bundle)});if(typeof m.handler!=="function")process.exit(3);process.stdout.write(String(performance.now()-t))`,
        ],
        { encoding: "utf8", env: { PATH: process.env.PATH ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
      );
      wallMs.push(performance.now() - started);
      if (child.status !== 0) throw new Error(`require(${name}) failed: ${child.stderr}`);
      requireMs.push(Number(child.stdout));
    }
    functions[name] = {
      zipBytes: statSync(zipPath).size,
      unzippedJsBytes: jsBytes,
      requireMedianMs: round(median(requireMs)),
      processWallMedianMs: round(median(wallMs)),
    };
    process.stderr.write(`${name}: ${JSON.stringify(functions[name])}\n`);
  }
  console.log(JSON.stringify({ runs: RUNS, packageMs: Math.round(packaged.durationMs), functions }));
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
