/**
 * The AWS fault storm (see awsStorm.ts). `npm test` runs a small size; `npm run test:faults`
 * (AFSYNC_STORM_SIZE=full) the full one. The seed is printed; AFSYNC_STORM_SEED replays it.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { runAwsStorm } from "./awsStorm.ts";
import { checkStormReport, stormRunFromEnv } from "./kit/stormTestRun.ts";

const { sizeName, size, seed } = stormRunFromEnv();

it(`AWS storm (${sizeName}, seed ${seed}): every target ends equal to the provider truth, unowned keys untouched`, {
  timeout: 30 * 60_000,
}, async () => {
  assert.ok(size, `AFSYNC_STORM_SIZE is small, medium or full, not ${sizeName}`);
  const report = await runAwsStorm(seed, size);
  checkStormReport("aws", sizeName, size, report);
  assert.ok(report.truthKeys.airflowConnections > 0 && report.truthKeys.airflowVariables > 0 && report.truthKeys.astroVariables > 0);
  for (const local of ["host-env", "host-settings", "host-backend"]) {
    const keys = report.truthKeys[local] as { connections: number; variables: number };
    assert.ok(keys.connections > 0 && keys.variables > 0, `${local} ends with keys to compare: ${JSON.stringify(keys)}`);
  }
  assert.deepEqual(report.tornLocalFilesAfterKills, [], "every local file is whole after every kill");
});
