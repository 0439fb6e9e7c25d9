import { describe, it } from "node:test";
import { awsWorkerPair } from "./cloudWorkerPairs.ts";
import { REMOTE_TARGET_KINDS } from "./remoteTargetKinds.ts";
import { runMixedRunners } from "./runMixedRunners.ts";

/**
 * Two AWS worker handlers (one SQS FIFO queue), `afsync serve` and a CLI `afsync sync` at once on
 * one Deployment of EACH remote target kind, state in the target; the scenario is
 * runMixedRunners.ts. The Azure and GCP workers run it in mixed-runners-clouds.test.ts.
 */
describe("two AWS workers, serve and CLI syncs at once on one Deployment (state in the target)", () => {
  for (const [i, kind] of Object.values(REMOTE_TARGET_KINDS).entries()) {
    it(`${kind.name}: ends equal to the last SSM change, ownership consistent, the entries afsync did not write untouched`, () =>
      runMixedRunners(kind, awsWorkerPair, 9_001 + i));
  }
});
