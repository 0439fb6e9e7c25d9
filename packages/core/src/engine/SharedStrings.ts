import type { KeyString } from "../model/AirflowKey.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { SharedRecords } from "../ports/StateStore.ts";

/**
 * One copy per run of the strings that every Deployment's state records repeat, and of the
 * records themselves. A state store (or a manifest) hands each Deployment fresh strings for the
 * same key, source, secret id, version and keyed hash, about 260 bytes a record; a run plans
 * several Deployments at once, each holding its records from its target read to its last write.
 * Records are read-only, so Deployments that applied the same version of a key share one record
 * (the last made for the key): a reconciliation of Deployments in step makes each record once,
 * not once per Deployment and load. Dropped with the run.
 */
export class SharedStrings implements SharedRecords {
  readonly #held = new Map<string, string>();
  /** The last record made for each key. */
  readonly #records = new Map<KeyString, StateRecord>();

  /** The run's copy of `text`. */
  one<S extends string>(text: S): S {
    const held = this.#held.get(text);
    if (held !== undefined) return held as S;
    this.#held.set(text, text);
    return text;
  }

  /** The records again, on the run's strings and records (never the store's own objects). */
  records(owned: ReadonlyMap<KeyString, StateRecord>): Map<KeyString, StateRecord> {
    const shared = new Map<KeyString, StateRecord>();
    for (const r of owned.values()) {
      const record = this.record(r.key, r.sourceId, r.secretId, r.version, r.versionOrder, r.hash, r.appliedAt);
      shared.set(record.key, record);
    }
    return shared;
  }

  record(
    key: KeyString,
    sourceId: string,
    secretId: string | undefined,
    version: string | undefined,
    versionOrder: number | undefined,
    hash: string,
    appliedAt: string,
  ): StateRecord {
    const held = this.#records.get(key);
    if (
      held !== undefined &&
      held.sourceId === sourceId &&
      held.secretId === secretId &&
      held.version === version &&
      held.versionOrder === versionOrder &&
      held.hash === hash &&
      held.appliedAt === appliedAt
    )
      return held;
    const record = stateRecord(
      this.one(key),
      this.one(sourceId),
      secretId === undefined ? undefined : this.one(secretId),
      version === undefined ? undefined : this.one(version),
      versionOrder,
      this.one(hash),
      this.one(appliedAt),
    );
    this.#records.set(record.key, record);
    return record;
  }
}
