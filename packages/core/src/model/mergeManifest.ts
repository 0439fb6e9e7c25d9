import type { KeyString } from "./AirflowKey.ts";
import type { StateRecord } from "./StateRecord.ts";

/**
 * Three-way merge of an ownership manifest kept in a target, for writers that may race across
 * processes (a CLI sync, serve and the cloud workers on one Deployment): a key this writer
 * changed (`ours` differs from the `base` it planned against) takes `ours`; any other key takes
 * what the target holds now (`theirs`), so records another writer saved since our read are kept
 * rather than overwritten with the stale copy we read.
 * A null base is a read that found no manifest (an empty one); without a base at all (undefined:
 * apply before any read) `ours` is taken whole.
 */
export function mergeManifest(
  base: readonly StateRecord[] | null | undefined,
  ours: readonly StateRecord[],
  theirs: readonly StateRecord[] | null | undefined,
): StateRecord[] {
  if (base === undefined) return [...ours];
  return overlayRecords(theirs, changedRecords(base, ours));
}

/** `theirs` with each of `changes` applied: a record set, or removed where the change is undefined. */
export function overlayRecords(
  theirs: readonly StateRecord[] | null | undefined,
  changes: ReadonlyMap<KeyString, StateRecord | undefined>,
): StateRecord[] {
  const out = byKey(theirs ?? []);
  for (const [key, record] of changes) {
    if (record === undefined) out.delete(key);
    else out.set(key, record);
  }
  return [...out.values()];
}

/** The keys whose record this writer changed relative to `base` (what a read-back must find). */
export function changedRecords(
  base: readonly StateRecord[] | null | undefined,
  ours: readonly StateRecord[],
): Map<KeyString, StateRecord | undefined> {
  const baseBy = byKey(base ?? []);
  const oursBy = byKey(ours);
  const out = new Map<KeyString, StateRecord | undefined>();
  for (const key of new Set([...baseBy.keys(), ...oursBy.keys()])) {
    if (!sameRecord(oursBy.get(key), baseBy.get(key))) out.set(key, oursBy.get(key));
  }
  return out;
}

/** Whether two records say the same thing, field by field (no copy: it runs once per owned key per write). */
export function sameRecord(a: StateRecord | undefined, b: StateRecord | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.key === b.key &&
    a.sourceId === b.sourceId &&
    a.hash === b.hash &&
    a.appliedAt === b.appliedAt &&
    a.secretId === b.secretId &&
    a.version === b.version &&
    a.versionOrder === b.versionOrder
  );
}

/** The record with its fields in one fixed order (and absent optional fields left out), for comparing and encoding. */
export function canonicalRecord(r: StateRecord): StateRecord {
  return {
    key: r.key,
    sourceId: r.sourceId,
    ...(r.secretId === undefined ? {} : { secretId: r.secretId }),
    ...(r.version === undefined ? {} : { version: r.version }),
    ...(r.versionOrder === undefined ? {} : { versionOrder: r.versionOrder }),
    hash: r.hash,
    appliedAt: r.appliedAt,
  };
}

function byKey(records: readonly StateRecord[]): Map<KeyString, StateRecord> {
  return new Map(records.map((r) => [r.key, r]));
}
