import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { OracleCase } from "./oracleCases.ts";

const oracle = fileURLToPath(new URL("./airflow_oracle.py", import.meta.url));

/** airflow_oracle.py's answer to one case; a refusal names only the exception class. */
export type Answer =
  | { ok: true; c?: Record<string, unknown>; uri?: string; plain?: string; newest?: string; ids?: unknown[] }
  | { ok: false; error: string };

/**
 * Sends every case to one python3 process running Airflow's semantics (airflow_oracle.py) and
 * returns its answers in order. Fails, saying what is needed, when python3 is missing or older
 * than 3.11 (the urllib Airflow 3 runs on).
 */
export function askAirflow(cases: readonly OracleCase[]): Answer[] {
  const version = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], { encoding: "utf8" });
  if (version.error !== undefined || version.status !== 0) {
    assert.fail("python3 is needed for the Airflow differential (packages/core/test/oracle): install Python 3.11 or newer");
  }
  const [major = 0, minor = 0] = version.stdout.trim().split(".").map(Number);
  assert.ok(
    major > 3 || (major === 3 && minor >= 11),
    `the Airflow differential needs Python 3.11+ (urllib as Airflow 3 runs it); found ${version.stdout.trim()}`,
  );
  const run = spawnSync("python3", [oracle], {
    input: cases.map((c) => JSON.stringify(c)).join("\n"),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  assert.equal(run.status, 0, run.stderr);
  const answers = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Answer);
  assert.equal(answers.length, cases.length);
  return answers;
}
