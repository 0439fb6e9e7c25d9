import { describe, it } from "node:test";
import { azureWorkerPair, gcpWorkerPair } from "./cloudWorkerPairs.ts";
import { REMOTE_TARGET_KINDS } from "./remoteTargetKinds.ts";
import { runMixedRunners } from "./runMixedRunners.ts";

/**
 * The mixed-runners scenario (runMixedRunners.ts) with the Azure and the GCP worker functions as
 * the two workers, each on one remote target kind (every kind runs with the AWS workers in
 * mixed-runners.test.ts; Azurite and the functions' cold starts make all of them per cloud too
 * slow for CI). Azure on Airflow 3's API: the target its e2e chain writes, and the one whose
 * manifest is a log of segments. GCP on astro-env-vars: the target with no ETag whose whole list
 * every write replaces, under the harshest overlap (both workers get every message at once).
 */
describe("two cloud workers of Azure or GCP, serve and CLI syncs at once on one Deployment", () => {
  it(`Azure workers on ${REMOTE_TARGET_KINDS.airflow3.name}: ends equal to the truth, ownership consistent`, () =>
    runMixedRunners(REMOTE_TARGET_KINDS.airflow3, () => azureWorkerPair(), 7_103));
  it(`GCP workers on ${REMOTE_TARGET_KINDS.astroEnvVars.name}: ends equal to the truth, ownership consistent`, () =>
    runMixedRunners(REMOTE_TARGET_KINDS.astroEnvVars, () => gcpWorkerPair(), 7_207));
});
