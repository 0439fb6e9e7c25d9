import { randomBytes } from "node:crypto";
import type { HmacKeyProvider, KeyString, StateRecord, StateStore, VersionPin } from "@afsync/core";

/** The state store for tests and one-shot runs: what afsync applied, per Deployment, in a Map. */
export class InMemoryStateStore implements StateStore, HmacKeyProvider {
  private readonly deployments = new Map<string, Map<KeyString, StateRecord>>();
  private key: Uint8Array | undefined;
  private readonly pins = new Map<string, Map<KeyString, VersionPin>>();
  /** Calls to `save`, for assertions that a no-op run records nothing. */
  saveCalls = 0;

  async load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>> {
    return new Map(this.deployments.get(deploymentId) ?? []);
  }

  async save(deploymentId: string, upserted: readonly StateRecord[], removed: readonly KeyString[]): Promise<void> {
    this.saveCalls += 1;
    const map = this.deployments.get(deploymentId) ?? new Map<KeyString, StateRecord>();
    for (const key of removed) map.delete(key);
    for (const record of upserted) map.set(record.key, { ...record });
    this.deployments.set(deploymentId, map);
  }

  async loadPins(deploymentId: string): Promise<ReadonlyMap<KeyString, VersionPin>> {
    return new Map(this.pins.get(deploymentId) ?? []);
  }

  async savePins(deploymentId: string, pinned: readonly VersionPin[], released: readonly KeyString[]): Promise<void> {
    const map = this.pins.get(deploymentId) ?? new Map<KeyString, VersionPin>();
    for (const key of released) map.delete(key);
    for (const pin of pinned) map.set(pin.key, { ...pin });
    this.pins.set(deploymentId, map);
  }

  /** Generated on first use, like the SQLite store's, and stable for the store's life. */
  async hmacKey(): Promise<Uint8Array> {
    this.key ??= new Uint8Array(randomBytes(32));
    return this.key;
  }

  /** Every record of a Deployment, sorted by key (test helper). */
  records(deploymentId: string): StateRecord[] {
    return [...(this.deployments.get(deploymentId)?.values() ?? [])].sort((a, b) => (a.key < b.key ? -1 : 1));
  }
}
