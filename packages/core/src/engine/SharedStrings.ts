import type { KeyString } from "../model/AirflowKey.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { StringPool } from "../ports/DeploymentTarget.ts";
import { PresentKeys } from "../ports/PresentKeys.ts";
import type { RecordCollector, SharedRecords } from "../ports/StateStore.ts";
import { RestampedRecords } from "./RestampedRecords.ts";

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
  /** The last map of records `collect` made (never a view): the base of the next load (see `collect`). */
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
    for (const r of owned.values()) shared.add(r.key, r.sourceId, r.secretId, r.version, r.versionOrder, r.hash, r.appliedAt);
    return shared.done();
  }

  /**
   * A Deployment's records as a map, made from the map made last (`base`) where they are its
   * records, key for key in the same order:
   * - exactly its records: that very map. Deployments in step then hold one map between them,
   *   where each load made a Map of 10,000 records of its own (about 0.7 MB with its growth,
   *   allocated straight into V8's old generation at that size);
   * - its records applied at another time, but for a few: a `RestampedRecords` view of it, which
   *   holds only those few. Deployments applied by runs of their own (ADR 014) differ so;
   * - other keys, or most records differing: a map of its own, the base of the loads after it.
   * Nothing is made while the records match; the first that differs makes only what it must.
   */
  collect(): RecordCollector {
    const base = this.#lastMap;
    const expected = base?.values();
    /** Records read so far that are `base`'s keys, in its order. */
    let aligned = 0;
    /** Whether each of those is exactly `base`'s record. */
    let exact = true;
    /** The stamp of the first record: what a view restamps `base` with. */
    let at = "";
    /** Aligned records other than `base`'s restamped at `at` (made once `exact` fails). */
    let differing: Map<KeyString, StateRecord> | undefined;
    /** Every record, once the keys part from `base`'s. */
    let own: Map<KeyString, StateRecord> | undefined;

    // The aligned records as they would be in a view, as a map of their own.
    const ownMap = (): Map<KeyString, StateRecord> => {
      const made = new Map<KeyString, StateRecord>();
      if (base === undefined || aligned === 0) return made;
      for (const r of base.values()) {
        const record =
          differing?.get(r.key) ??
          (exact || r.appliedAt === at ? r : this.record(r.key, r.sourceId, r.secretId, r.version, r.versionOrder, r.hash, at));
        made.set(r.key, record);
        if (made.size === aligned) break;
      }
      return made;
    };
    // The aligned records read before the first that is not `base`'s: those `at` does not restamp to themselves.
    const differingSoFar = (): Map<KeyString, StateRecord> => {
      const made = new Map<KeyString, StateRecord>();
      if (base === undefined) return made;
      let seen = 0;
      for (const r of base.values()) {
        if (seen++ === aligned) break;
        if (r.appliedAt !== at) made.set(r.key, r);
      }
      return made;
    };
    const keep = (made: Map<KeyString, StateRecord>) => {
      this.#lastMap = made;
      return made;
    };

    return {
      add: (key, sourceId, secretId, version, versionOrder, hash, appliedAt) => {
        if (own === undefined) {
          const next = expected?.next().value;
          if (next !== undefined && next.key === key) {
            if (aligned === 0) at = appliedAt;
            const sameFields =
              next.sourceId === sourceId &&
              next.secretId === secretId &&
              next.version === version &&
              next.versionOrder === versionOrder &&
              next.hash === hash;
            if (exact && sameFields && next.appliedAt === appliedAt) {
              aligned += 1;
              return;
            }
            if (exact) {
              differing = differingSoFar();
              exact = false;
            }
            aligned += 1;
            if (!sameFields || appliedAt !== at)
              differing?.set(key, this.record(key, sourceId, secretId, version, versionOrder, hash, appliedAt));
            return;
          }
          own = ownMap();
        }
        own.set(key, this.record(key, sourceId, secretId, version, versionOrder, hash, appliedAt));
      },
      done: () => {
        if (own !== undefined) return keep(own);
        if (base === undefined || aligned < base.size) return keep(ownMap());
        if (exact) return base;
        // Mostly records of its own: a map, the better base for the loads after it.
        if ((differing?.size ?? 0) * 2 > aligned) return keep(ownMap());
        return new RestampedRecords(base, at, differing ?? new Map());
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
