import { once } from "@afsync/runtime/compose/once";
import type { FanoutLedger } from "@afsync/runtime/fanout/FanoutLedger";

/** The env Terraform sets for the ledger (AFSYNC_FANOUT_BUCKET), and an endpoint for an emulator. */
export const FANOUT_BUCKET_ENV = "AFSYNC_FANOUT_BUCKET";
export const STORAGE_ENDPOINT_ENV = "AFSYNC_STORAGE_ENDPOINT";

/**
 * The fan-out ledger in the bucket Terraform creates, or undefined without one (the reconcile then
 * enqueues every Deployment, the worker confirms nothing). The Cloud Storage client is loaded on
 * the first read or write, not at cold start: events and push share this composition root and
 * never touch the ledger.
 */
export function fanoutLedgerFromEnv(env: NodeJS.ProcessEnv): FanoutLedger | undefined {
  const bucket = env[FANOUT_BUCKET_ENV];
  if (bucket === undefined || bucket === "") return undefined;
  const endpoint = env[STORAGE_ENDPOINT_ENV] || undefined;
  const ledger = once(async () => {
    const [{ Storage }, { GcsFanoutLedger }] = await Promise.all([import("./cloudStorageEntry.ts"), import("./GcsFanoutLedger.ts")]);
    // A custom endpoint (an emulator) gets no credentials from the client: nothing probes the metadata server.
    return new GcsFanoutLedger(new Storage(endpoint === undefined ? {} : { apiEndpoint: endpoint }).bucket(bucket));
  });
  return {
    read: async (deployments) => (await ledger()).read(deployments),
    write: async (deployment, record) => (await ledger()).write(deployment, record),
  };
}
