/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process (so one benchmark's
 * warm-up cannot flatter the next), collects the JSON each prints on its last stdout line, and
 * prints one JSON document `{ "benchmarks": { "<name>": <result> } }`, also written to
 * bench/results/latest.json.
 *
 * A benchmark file prints exactly one JSON object as its last line of stdout; anything before it
 * is progress for humans (prefer stderr).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: Record<string, unknown> = {};
let failed = 0;
for (const file of files) {
  const name = basename(file, ".bench.ts");
  process.stderr.write(`bench: ${name}…\n`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(benchDir, file)], {
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", SLS_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lastLine = run.stdout.trim().split("\n").pop() ?? "";
  try {
    results[name] = JSON.parse(lastLine);
  } catch {
    failed += 1;
    results[name] = { error: `exit ${run.status}; no JSON result` };
  }
}

const document = { node: process.version, date: new Date().toISOString(), benchmarks: results };
mkdirSync(join(benchDir, "results"), { recursive: true });
writeFileSync(join(benchDir, "results", "latest.json"), `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
process.exitCode = failed > 0 ? 1 : 0;
