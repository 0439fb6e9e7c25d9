import type { KeyString } from "../model/AirflowKey.ts";
import type { StateRecord } from "../model/StateRecord.ts";

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

  one<S extends string>(text: S): S {
    const held = this.#held.get(text);
    if (held !== undefined) return held as S;
    this.#held.set(text, text);
    return text;
  }

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
    // Spelled out, not `{ ...r, key: … }`: a spread followed by new fields leaves V8 a dictionary-mode object.
    const record: { -readonly [K in keyof StateRecord]?: StateRecord[K] } = { key: this.one(r.key), sourceId: this.one(r.sourceId) };
    if (r.secretId !== undefined) record.secretId = this.one(r.secretId);
    if (r.version !== undefined) record.version = this.one(r.version);
    if (r.versionOrder !== undefined) record.versionOrder = r.versionOrder;
    record.hash = this.one(r.hash);
    record.appliedAt = this.one(r.appliedAt);
    return record as StateRecord;
  }
}
