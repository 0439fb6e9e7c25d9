import type { KeyString } from "../model/AirflowKey.ts";
import type { StateRecord } from "../model/StateRecord.ts";

/**
 * What afsync last applied per Deployment and key. Local mode: SQLite; tests: in memory; cloud:
 * the manifest each target keeps (see `DeploymentTarget.capabilities.holdsState`).
 */
export interface StateStore {
  load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>>;
  /** Replace the records of `upserted` keys and drop `removed` ones, in one transaction. */
  save(deploymentId: string, upserted: readonly StateRecord[], removed: readonly KeyString[]): Promise<void>;
  close?(): Promise<void>;
}

/** Where the HMAC key for value hashes comes from: the state store locally, an env var or secret in the cloud. */
export interface HmacKeyProvider {
  hmacKey(): Promise<Uint8Array>;
}
