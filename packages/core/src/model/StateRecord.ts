import type { KeyString } from "./AirflowKey.ts";

/**
 * What afsync last applied for one key of one Deployment. The presence of a record is what
 * "afsync owns this key" means. `hash` is the keyed HMAC (hex) of the canonical value, so a
 * value can be compared without being stored.
 */
export interface StateRecord {
  readonly key: KeyString;
  readonly sourceId: string;
  readonly secretId?: string;
  readonly version?: string;
  readonly versionOrder?: number;
  readonly hash: string;
  /**
   * ISO-8601 time, from the Clock port, of the run that applied it: one stamp for every record a
   * run applies, taken when it plans its first Deployment (so Deployments applied by one run hold
   * equal records, which later runs share). The history keeps each write's own time.
   */
  readonly appliedAt: string;
}

/**
 * A record from its fields, absent ones left out, with its fields in the order above. Built as
 * one object literal for each common shape: a literal followed by added fields (or a spread of
 * optional ones) keeps the added fields in a separate out-of-object array, about 60 bytes more a
 * record, and a run holds tens of thousands of records per Deployment in flight.
 */
export function stateRecord(
  key: KeyString,
  sourceId: string,
  secretId: string | undefined,
  version: string | undefined,
  versionOrder: number | undefined,
  hash: string,
  appliedAt: string,
): StateRecord {
  if (secretId !== undefined && version !== undefined)
    return versionOrder === undefined
      ? { key, sourceId, secretId, version, hash, appliedAt }
      : { key, sourceId, secretId, version, versionOrder, hash, appliedAt };
  if (secretId === undefined && version === undefined && versionOrder === undefined) return { key, sourceId, hash, appliedAt };
  const record: { -readonly [K in keyof StateRecord]?: StateRecord[K] } = { key, sourceId };
  if (secretId !== undefined) record.secretId = secretId;
  if (version !== undefined) record.version = version;
  if (versionOrder !== undefined) record.versionOrder = versionOrder;
  record.hash = hash;
  record.appliedAt = appliedAt;
  return record as StateRecord;
}
