import { randomBytes } from "node:crypto";
import type { HmacKeyProvider, KeyString, StateRecord, StateStore, VersionPin } from "@afsync/core";

/**
 * State for `state: { type: memory }` and for a `plan` before any state exists: lives as long
 * as the process, with a key generated per process (hashes compare only within the run).
 */
export class MemoryStateStore implements StateStore, HmacKeyProvider {
  private readonly deployments = new Map<string, Map<KeyString, StateRecord>>();
  private readonly key = new Uint8Array(randomBytes(32));
  private readonly pins = new Map<string, Map<KeyString, VersionPin>>();

  async load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>> {
    return new Map(this.deployments.get(deploymentId) ?? []);
  }

  async save(deploymentId: string, upserted: readonly StateRecord[], removed: readonly KeyString[]): Promise<void> {
    const map = this.deployments.get(deploymentId) ?? new Map<KeyString, StateRecord>();
    for (const key of removed) map.delete(key);
    for (const record of upserted) map.set(record.key, record);
    this.deployments.set(deploymentId, map);
  }

  async loadPins(deploymentId: string): Promise<ReadonlyMap<KeyString, VersionPin>> {
    return new Map(this.pins.get(deploymentId) ?? []);
  }

  async savePins(deploymentId: string, pinned: readonly VersionPin[], released: readonly KeyString[]): Promise<void> {
    const map = this.pins.get(deploymentId) ?? new Map<KeyString, VersionPin>();
    for (const key of released) map.delete(key);
    for (const pin of pinned) map.set(pin.key, pin);
    this.pins.set(deploymentId, map);
  }

  async hmacKey(): Promise<Uint8Array> {
    return this.key;
  }
}
