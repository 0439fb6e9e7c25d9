/**
 * The Azure fault storm (see azureStorm.ts). `npm test` runs a small size; `npm run test:faults`
 * (AFSYNC_STORM_SIZE=full) the full one. The seed is printed; AFSYNC_STORM_SEED replays its
 * choices (which keys, which faults, which deliveries), though not the timing of the worker's
 * concurrent applies against a kill. AFSYNC_STORM_LOG=<file> keeps every process's log lines;
 * AFSYNC_STORM_TRACE=1 prints the worker's hand-offs with timestamps, the kills and the last fault.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runAzureStorm } from "./azureStorm.ts";
import { checkStormReport, STORM_SIZES, stormRunFromEnv } from "./kit/stormTestRun.ts";

// More kills at the medium size than the other storms: the lease a killed worker leaves is the
// Azure path's own failure mode.
const { sizeName, size, seed } = stormRunFromEnv({ ...STORM_SIZES, medium: { events: 300, keys: 25, kills: 10 } });

it(`Azure storm (${sizeName}, seed ${seed}): every target ends equal to the vault's truth, unowned keys untouched`, {
  timeout: 30 * 60_000,
}, async () => {
  assert.ok(size, `AFSYNC_STORM_SIZE is small, medium or full, not ${sizeName}`);
  const report = await runAzureStorm(seed, size);
  checkStormReport("azure", sizeName, size, report);
  assert.ok(report.truthKeys.af2 > 0 && report.truthKeys.astroVariables > 0 && report.truthKeys.astroConnections > 0);
});
