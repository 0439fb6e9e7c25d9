/**
 * `afsync conn parse --ndjson` throughput through the real binary: 10,000 generated lines (a mix
 * of URIs, Airflow JSON, AWS alias JSON and RDS rotation secrets), timed end to end, and a 1-line
 * run to separate process start-up. Prints one JSON object as the last stdout line.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../packages/cli/bin/afsync.js", import.meta.url));
const LINES = 10_000;

function line(i: number): string {
  switch (i % 4) {
    case 0:
      return JSON.stringify(`postgresql://user${i}:p%40ss${i}@db${i}.example.com:5432/app?sslmode=require&application_name=job${i}`);
    case 1:
      return JSON.stringify({
        value: {
          conn_type: "http",
          host: `api${i}.example.com`,
          login: "u",
          password: `pw${i}`,
          port: 443,
          extra: { timeout: 30, api_key: `k${i}` },
        },
      });
    case 2:
      return JSON.stringify({
        value: JSON.stringify({ user: `u${i}`, pass: `p${i}`, host: "h", engine: "postgresql", port: "5432", database: "d" }),
        format: "aws-secrets-manager",
      });
    default:
      return JSON.stringify({
        value: { engine: "mysql", host: `rds${i}`, port: 3306, username: "admin", password: `r${i}`, dbname: "db" },
      });
  }
}

function run(input: string): Promise<{ ms: number; outLines: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, "conn", "parse", "--ndjson"], { stdio: ["pipe", "pipe", "inherit"] });
    let outLines = 0;
    child.stdout.on("data", (d: Buffer) => {
      for (const b of d) if (b === 10) outLines++;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - start) / 1e6, outLines, code }));
    child.stdin.end(input);
  });
}

const input = `${Array.from({ length: LINES }, (_, i) => line(i)).join("\n")}\n`;
const startup = await run(`${line(0)}\n`);
const full = await run(input);
if (full.outLines !== LINES || full.code !== 0) throw new Error(`expected ${LINES} ok lines, got ${full.outLines} (exit ${full.code})`);
const processingMs = Math.max(1, full.ms - startup.ms);
process.stderr.write(`conn parse --ndjson: ${LINES} lines in ${full.ms.toFixed(0)} ms (start-up ${startup.ms.toFixed(0)} ms)\n`);
process.stdout.write(
  `${JSON.stringify({
    lines: LINES,
    total_ms: Math.round(full.ms),
    startup_ms: Math.round(startup.ms),
    lines_per_second: Math.round((LINES / full.ms) * 1000),
    lines_per_second_excluding_startup: Math.round((LINES / processingMs) * 1000),
  })}\n`,
);
