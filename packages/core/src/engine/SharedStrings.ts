import type { KeyString } from "../model/AirflowKey.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { StringPool } from "../ports/DeploymentTarget.ts";
import { PresentKeys } from "../ports/PresentKeys.ts";
import type { RecordCollector, SharedRecords } from "../ports/StateStore.ts";

/**
 * One copy per run of the strings that every Deployment's state records repeat, and of the
 * records themselves. A state store (or a manifest) hands each Deployment fresh strings for the
 * same key, source, secret id, version and keyed hash, about 260 bytes a record; a run plans
 * several Deployments at once, each holding its records from its target read to its last write.
 * Records are read-only, so Deployments that applied the same version of a key share one record
 * (the last made for the key): a reconciliation of Deployments in step makes each record once,
 * not once per Deployment and load; so do the key sets of presence-only targets that list the
 * same ids (`presentKeys`). Dropped with the run.
 */
export class SharedStrings implements SharedRecords, StringPool {
  readonly #held = new Map<string, string>();
  /** The last record made for each key. */
  readonly #records = new Map<KeyString, StateRecord>();
  /** The last map of records `collect` made: the next load that reads exactly its records shares it. */
  #lastMap: ReadonlyMap<KeyString, StateRecord> | undefined;
  /** The last key set `presentKeys` gave: the next target read that lists exactly its ids shares it. */
  #lastKeys: PresentKeys | undefined;

  /** The run's copy of `text`. */
  one<S extends string>(text: S): S {
    const held = this.#held.get(text);
    if (held !== undefined) return held as S;
    this.#held.set(text, text);
    return text;
  }

  /** A target's key set, given back as the one given last when it lists exactly the same ids. */
  presentKeys(connectionIds: string[], variableKeys: string[]): PresentKeys {
    this.#lastKeys = PresentKeys.sharing(this.#lastKeys, connectionIds, variableKeys);
    return this.#lastKeys;
  }

  /** The records again, on the run's strings and records (never the store's own objects). */
  records(owned: ReadonlyMap<KeyString, StateRecord>): ReadonlyMap<KeyString, StateRecord> {
    const shared = this.collect();
    for (const r of owned.values()) shared.add(this.record(r.key, r.sourceId, r.secretId, r.version, r.versionOrder, r.hash, r.appliedAt));
    return shared.done();
  }

  /**
   * A Deployment's records as a map, given back as the map made last when they are exactly its
   * records (the same objects, as `record` shares them, in the same order): Deployments in step
   * then hold one map between them, where each load made a Map of 10,000 records of its own
   * (about 0.7 MB with its growth, allocated straight into V8's old generation at that size).
   * Nothing is built while the records match; the first that differs copies the matched ones.
   */
  collect(): RecordCollector {
    const last = this.#lastMap;
    const expected = last?.values();
    let matched = 0;
    let own: Map<KeyString, StateRecord> | undefined;
    const ownMap = () => {
      own = new Map();
      if (last !== undefined && matched > 0) {
        for (const record of last.values()) {
          own.set(record.key, record);
          if (own.size === matched) break;
        }
      }
      return own;
    };
    return {
      add: (record) => {
        if (own === undefined && expected?.next().value === record) {
          matched += 1;
          return;
        }
        (own ?? ownMap()).set(record.key, record);
      },
      done: () => {
        if (own === undefined && last !== undefined && matched === last.size) return last;
        const made = own ?? ownMap();
        this.#lastMap = made;
        return made;
      },
    };
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
    // A key held already at another version or moment (Deployments applied by plans of their own
    // differ in `appliedAt` alone): its fields that are equal are the run's copies already, so only
    // the others are looked up, where each lookup hashes the store's fresh string.
    const record = stateRecord(
      held?.key ?? this.one(key),
      held?.sourceId === sourceId ? held.sourceId : this.one(sourceId),
      secretId === undefined ? undefined : held?.secretId === secretId ? held.secretId : this.one(secretId),
      version === undefined ? undefined : held?.version === version ? held.version : this.one(version),
      versionOrder,
      held?.hash === hash ? held.hash : this.one(hash),
      held?.appliedAt === appliedAt ? held.appliedAt : this.one(appliedAt),
    );
    this.#records.set(record.key, record);
    return record;
  }
}
