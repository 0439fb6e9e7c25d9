import { randomBytes } from "node:crypto";
import type { HmacKeyProvider, KeyString, StateRecord, StateStore } from "@afsync/core";

/**
 * State for `state: { type: memory }` and for a `plan` before any state exists: lives as long
 * as the process, with a key generated per process (hashes compare only within the run).
 */
export class MemoryStateStore implements StateStore, HmacKeyProvider {
  private readonly deployments = new Map<string, Map<KeyString, StateRecord>>();
  private readonly key = new Uint8Array(randomBytes(32));

  async load(deploymentId: string): Promise<ReadonlyMap<KeyString, StateRecord>> {
    return new Map(this.deployments.get(deploymentId) ?? []);
  }

  async save(deploymentId: string, upserted: readonly StateRecord[], removed: readonly KeyString[]): Promise<void> {
    const map = this.deployments.get(deploymentId) ?? new Map<KeyString, StateRecord>();
    for (const key of removed) map.delete(key);
    for (const record of upserted) map.set(record.key, record);
    this.deployments.set(deploymentId, map);
  }

  async hmacKey(): Promise<Uint8Array> {
    return this.key;
  }
}
