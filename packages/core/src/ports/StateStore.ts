import type { KeyString } from "../model/AirflowKey.ts";
import type { HistoryEntry, HistoryQuery } from "../model/HistoryEntry.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { VersionPin } from "../model/VersionPin.ts";

/**
 * What afsync last applied per Deployment and key. Local mode: SQLite; tests: in memory; cloud:
 * the manifest each target keeps (see `DeploymentTarget.capabilities.holdsState`).
 */
export interface StateStore {
  load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>>;
  /**
   * `load`, with every string of the records passed through `shared` (the run's one copy of each
   * key, secret id, version, hash…). A store that builds its records from storage (SQLite) builds
   * them on those strings directly, so a load holds no fresh copy of each string, nor a second
   * record, until the engine re-makes them on its own. Optional: the engine copies what `load`
   * returns onto its strings otherwise.
   */
  loadShared?(deploymentId: string, shared: (text: string) => string): Promise<ReadonlyMap<KeyString, StateRecord>>;
  /** Replace the records of `upserted` keys and drop `removed` ones, in one transaction. */
  save(deploymentId: string, upserted: readonly StateRecord[], removed: readonly KeyString[]): Promise<void>;
  /**
   * Keep applied changes for `afsync history` (append only). Optional: a store without it (the
   * targets' own manifests in the cloud) keeps no history, and `afsync history` says so.
   */
  appendHistory?(entries: readonly HistoryEntry[]): Promise<void>;
  /** Applied changes, oldest first. Present exactly when `appendHistory` is. */
  readHistory?(query: HistoryQuery): Promise<HistoryEntry[]>;
  /**
   * The keys `afsync rollback` holds at an older version (see `VersionPin`). Optional: a store
   * without pins (the targets' own manifests) cannot hold a rollback, and `afsync rollback`
   * refuses rather than apply a rollback the next reconciliation would undo.
   */
  loadPins?(deploymentId: string): Promise<ReadonlyMap<KeyString, VersionPin>>;
  /** Replace the pins of `pinned` keys and drop `released` ones, in one transaction. Present exactly when `loadPins` is. */
  savePins?(deploymentId: string, pinned: readonly VersionPin[], released: readonly KeyString[]): Promise<void>;
  close?(): Promise<void>;
}

/** Where the HMAC key for value hashes comes from: the state store locally, an env var or secret in the cloud. */
export interface HmacKeyProvider {
  hmacKey(): Promise<Uint8Array>;
}
