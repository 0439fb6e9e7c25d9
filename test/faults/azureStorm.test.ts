/**
 * The Azure fault storm (see azureStorm.ts). `npm test` runs a small size; `npm run test:faults`
 * (AFSYNC_STORM_SIZE=full) the full one. The seed is printed; AFSYNC_STORM_SEED replays its
 * choices (which keys, which faults, which deliveries), though not the timing of the worker's
 * concurrent applies against a kill. AFSYNC_STORM_LOG=<file> keeps every process's log lines;
 * AFSYNC_STORM_TRACE=1 prints the worker's hand-offs with timestamps, the kills and the last fault.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runAzureStorm, type StormSize } from "./azureStorm.ts";

const SIZES: Record<string, StormSize> = {
  small: { events: 40, keys: 8, kills: 3 },
  medium: { events: 300, keys: 25, kills: 10 },
  full: { events: 1000, keys: 50, kills: 12 },
};
const sizeName = process.env.AFSYNC_STORM_SIZE ?? "small";
const size = SIZES[sizeName];
const seed = Number(process.env.AFSYNC_STORM_SEED ?? Math.floor(Math.random() * 2 ** 31));

it(`Azure storm (${sizeName}, seed ${seed}): every target ends equal to the vault's truth, unowned keys untouched`, {
  timeout: 30 * 60_000,
}, async () => {
  assert.ok(size, `AFSYNC_STORM_SIZE is small, medium or full, not ${sizeName}`);
  const report = await runAzureStorm(seed, size);
  const { logLines, sentinels, ...figures } = report;
  // Every process's log lines, for a failure's post-mortem (they hold no values: checked below).
  if (process.env.AFSYNC_STORM_LOG) writeFileSync(process.env.AFSYNC_STORM_LOG, logLines.join("\n"));
  console.log(`AFSYNC_STORM_REPORT ${JSON.stringify({ path: "azure", size: sizeName, ...figures })}`);
  assert.deepEqual(report.mismatches, [], `replay with AFSYNC_STORM_SEED=${seed}`);
  assert.equal(report.lostUpdates, 0);
  assert.deepEqual(report.unownedChanged, []);
  assert.ok(report.truthKeys.af2 > 0 && report.truthKeys.astroVariables > 0 && report.truthKeys.astroConnections > 0);
  assert.ok(report.workerKills.midApply >= Math.min(3, size.kills), `killed mid-apply ${report.workerKills.midApply} times`);
  assertNoSecretLeak(logLines, sentinels);
});
