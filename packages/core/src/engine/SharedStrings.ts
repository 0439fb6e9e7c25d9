import type { KeyString } from "../model/AirflowKey.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";

/**
 * One copy per run of the strings that every Deployment's state records repeat. A state store
 * (or a manifest) hands each Deployment fresh strings for the same key, source, secret id,
 * version and keyed hash, about 260 bytes a record; a run plans several Deployments at once,
 * each holding its records from its target read to its last write. Records whose strings are
 * held once cost their object and map slot only, so memory grows with the keys once, not with
 * the keys of every Deployment in flight. Dropped with the run.
 */
export class SharedStrings {
  readonly #held = new Map<string, string>();

  /** The run's copy of `text` (bound: handed to a state store's `loadShared` as is). */
  readonly one = <S extends string>(text: S): S => {
    const held = this.#held.get(text);
    if (held !== undefined) return held as S;
    this.#held.set(text, text);
    return text;
  };

  /** The records again, each a new object with the same fields (in the same order) on the run's strings. */
  records(owned: ReadonlyMap<KeyString, StateRecord>): Map<KeyString, StateRecord> {
    const shared = new Map<KeyString, StateRecord>();
    for (const r of owned.values()) {
      const record = this.#record(r);
      shared.set(record.key, record);
    }
    return shared;
  }

  #record(r: StateRecord): StateRecord {
    return stateRecord(
      this.one(r.key),
      this.one(r.sourceId),
      r.secretId === undefined ? undefined : this.one(r.secretId),
      r.version === undefined ? undefined : this.one(r.version),
      r.versionOrder,
      this.one(r.hash),
      this.one(r.appliedAt),
    );
  }
}
