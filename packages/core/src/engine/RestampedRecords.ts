import type { KeyString } from "../model/AirflowKey.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";

/**
 * A Deployment's records told as another Deployment's (`base`, the same keys in the same order)
 * applied at another time (`at`), but for the few that differ otherwise (`differing`).
 *
 * Deployments applied by runs of their own hold the same records but for `appliedAt` (one stamp
 * per run, ADR 014): a reconciliation of 100 such Deployments made 10,000 records and a Map of
 * them per Deployment and load, which lived across each target's read and so reached V8's old
 * generation (about 1.3 MB a load, twice per Deployment), where Deployments in step shared one
 * map. This view holds nothing per key: a record is made when asked for, young garbage its
 * caller drops, and the planner keeps none it is not holding anyway.
 *
 * Read-only, like every records map a load gives (`SharedStrings.collect` makes it).
 */
export class RestampedRecords implements ReadonlyMap<KeyString, StateRecord> {
  constructor(
    /** Records of another Deployment of the run, never changed (a map a load gave out). */
    readonly base: ReadonlyMap<KeyString, StateRecord>,
    /** When this Deployment applied what it shares with `base`. */
    readonly at: string,
    /** Its records that are not `base`'s restamped at `at`, by key (every key is one of `base`'s). */
    readonly differing: ReadonlyMap<KeyString, StateRecord>,
  ) {}

  get size(): number {
    return this.base.size;
  }

  has(key: KeyString): boolean {
    return this.base.has(key);
  }

  get(key: KeyString): StateRecord | undefined {
    const own = this.differing.get(key);
    if (own !== undefined) return own;
    const shared = this.base.get(key);
    return shared === undefined ? undefined : this.#restamped(shared);
  }

  keys(): MapIterator<KeyString> {
    return this.base.keys();
  }

  *values(): MapIterator<StateRecord> {
    for (const shared of this.base.values()) yield this.differing.get(shared.key) ?? this.#restamped(shared);
  }

  *entries(): MapIterator<[KeyString, StateRecord]> {
    for (const shared of this.base.values()) yield [shared.key, this.differing.get(shared.key) ?? this.#restamped(shared)];
  }

  [Symbol.iterator](): MapIterator<[KeyString, StateRecord]> {
    return this.entries();
  }

  forEach(callback: (record: StateRecord, key: KeyString, map: ReadonlyMap<KeyString, StateRecord>) => void, thisArg?: unknown): void {
    for (const [key, record] of this.entries()) callback.call(thisArg, record, key, this);
  }

  #restamped(shared: StateRecord): StateRecord {
    if (shared.appliedAt === this.at) return shared;
    return stateRecord(shared.key, shared.sourceId, shared.secretId, shared.version, shared.versionOrder, shared.hash, this.at);
  }
}
