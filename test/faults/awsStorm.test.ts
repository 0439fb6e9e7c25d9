/**
 * The AWS fault storm (see awsStorm.ts). `npm test` runs a small size; `npm run test:faults`
 * (AFSYNC_STORM_SIZE=full) the full one. The seed is printed; AFSYNC_STORM_SEED replays it.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing/assertNoSecretLeak";
import { runAwsStorm, type StormSize } from "./awsStorm.ts";

const SIZES: Record<string, StormSize> = {
  small: { events: 40, keys: 8, kills: 3 },
  medium: { events: 300, keys: 25, kills: 6 },
  full: { events: 1000, keys: 50, kills: 12 },
};
const sizeName = process.env.AFSYNC_STORM_SIZE ?? "small";
const size = SIZES[sizeName];
const seed = Number(process.env.AFSYNC_STORM_SEED ?? Math.floor(Math.random() * 2 ** 31));

it(`AWS storm (${sizeName}, seed ${seed}): every target ends equal to the provider truth, unowned keys untouched`, {
  timeout: 30 * 60_000,
}, async () => {
  assert.ok(size, `AFSYNC_STORM_SIZE is small or full, not ${sizeName}`);
  const report = await runAwsStorm(seed, size);
  const { logLines, sentinels, ...figures } = report;
  // Every process's log lines, for a failure's post-mortem (they hold no values: checked below).
  if (process.env.AFSYNC_STORM_LOG) writeFileSync(process.env.AFSYNC_STORM_LOG, logLines.join("\n"));
  console.log(`AFSYNC_STORM_REPORT ${JSON.stringify({ path: "aws", size: sizeName, ...figures })}`);
  assert.deepEqual(report.mismatches, [], `replay with AFSYNC_STORM_SEED=${seed}`);
  assert.equal(report.lostUpdates, 0);
  assert.deepEqual(report.unownedChanged, []);
  assert.ok(report.truthKeys.airflowConnections > 0 && report.truthKeys.airflowVariables > 0 && report.truthKeys.astroVariables > 0);
  for (const local of ["host-env", "host-settings", "host-backend"] as const) {
    const keys = report.truthKeys[local];
    assert.ok(keys.connections > 0 && keys.variables > 0, `${local} ends with keys to compare: ${JSON.stringify(keys)}`);
  }
  assert.deepEqual(report.tornLocalFilesAfterKills, [], "every local file is whole after every kill");
  assert.ok(report.workerKills.midApply >= Math.min(3, size.kills), `killed mid-apply ${report.workerKills.midApply} times`);
  assertNoSecretLeak(logLines, sentinels);
});
