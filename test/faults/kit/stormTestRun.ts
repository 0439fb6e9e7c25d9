import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import type { StormReport, StormSize } from "./StormReport.ts";

/** `npm test` runs `small`; `npm run test:faults` sets AFSYNC_STORM_SIZE=full. */
export const STORM_SIZES: Readonly<Record<string, StormSize>> = {
  small: { events: 40, keys: 8, kills: 3 },
  medium: { events: 300, keys: 25, kills: 6 },
  full: { events: 1000, keys: 50, kills: 12 },
};

/** The size and seed of this run: AFSYNC_STORM_SIZE, and AFSYNC_STORM_SEED to replay one. */
export function stormRunFromEnv(sizes: Readonly<Record<string, StormSize>> = STORM_SIZES): {
  sizeName: string;
  size: StormSize | undefined;
  seed: number;
} {
  const sizeName = process.env.AFSYNC_STORM_SIZE ?? "small";
  return {
    sizeName,
    size: sizes[sizeName],
    seed: Number(process.env.AFSYNC_STORM_SEED ?? Math.floor(Math.random() * 2 ** 31)),
  };
}

/**
 * Prints the report as one `AFSYNC_STORM_REPORT` JSON line (AFSYNC_STORM_LOG=<file> keeps every
 * process's log lines for a post-mortem), then checks what every storm must hold: every target
 * equal to the truth, unowned keys untouched, enough kills mid-apply, no secret in any log line.
 */
export function checkStormReport(path: string, sizeName: string, size: StormSize, report: StormReport): void {
  const { logLines, sentinels, ...figures } = report;
  if (process.env.AFSYNC_STORM_LOG) writeFileSync(process.env.AFSYNC_STORM_LOG, logLines.join("\n"));
  console.log(`AFSYNC_STORM_REPORT ${JSON.stringify({ path, size: sizeName, ...figures })}`);
  assert.deepEqual(report.mismatches, [], `replay with AFSYNC_STORM_SEED=${report.seed}`);
  assert.equal(report.lostUpdates, 0);
  assert.deepEqual(report.unownedChanged, []);
  assert.ok(report.workerKills.midApply >= Math.min(3, size.kills), `killed mid-apply ${report.workerKills.midApply} times`);
  assertNoSecretLeak(logLines, sentinels);
}
