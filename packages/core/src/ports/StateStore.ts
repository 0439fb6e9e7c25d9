import type { KeyString } from "../model/AirflowKey.ts";
import type { HistoryEntry, HistoryQuery } from "../model/HistoryEntry.ts";
import type { StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { VersionPin } from "../model/VersionPin.ts";

/**
 * What afsync last applied per Deployment and key. Local mode: SQLite; tests: in memory; cloud:
 * the manifest each target keeps (see `DeploymentTarget.capabilities.holdsState`).
 */
export interface StateStore {
  load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>>;
  /**
   * `load`, with each record made by `shared` (the run's one copy of each string and of each
   * record: Deployments that applied the same version of a key share the record object). A store
   * that builds its records from storage (SQLite) builds them there directly, so a load holds no
   * fresh copy of each string, nor a second record, beside the run's. Optional: the engine copies
   * what `load` returns onto its own otherwise.
   */
  loadShared?(deploymentId: string, shared: SharedRecords): Promise<ReadonlyMap<KeyString, StateRecord>>;
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

/** A run's records, made once: the same fields give back the record already made (see `SharedStrings`). */
export interface SharedRecords {
  readonly record: typeof stateRecord;
  /**
   * Where a load puts its records, in the order it reads them; `done` gives the map. Optional:
   * a run gives back a map it already holds when the load read exactly its records (see
   * `SharedStrings.collect`); without it, the load builds a Map of its own.
   */
  readonly collect?: () => RecordCollector;
}

/**
 * One load's records, added in order as their fields (the collector makes a record only where
 * the run holds none it can tell this one by), then the map of them (`done`, once).
 */
export interface RecordCollector {
  add(...fields: Parameters<typeof stateRecord>): void;
  done(): ReadonlyMap<KeyString, StateRecord>;
}
