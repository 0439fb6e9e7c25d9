/**
 * afsync's ownership manifest as it lives in the Deployment itself, in one Airflow variable
 * (`afsync_manifest` by default), so the cloud functions need no database: which keys afsync
 * owns, from which source and version, and the keyed HMAC of the value it wrote. No values.
 *
 * The JSON deliberately uses short field names in an array: Airflow 3 redacts variable JSON
 * whose keys contain `secret`, `token`, `password`, … on read, so neither a field name
 * (`secretId`) nor a key used as an object key (`conn:db_password`) may carry such a word.
 */
import type { StateRecord } from "@afsync/core";
import { InvalidValueError, parseKeyString } from "@afsync/core";

export const DEFAULT_MANIFEST_VARIABLE = "afsync_manifest";
export const MANIFEST_DESCRIPTION = "Managed by afsync: the keys it owns here, with keyed hashes only. Do not edit.";

interface EncodedRecord {
  k: string;
  src: string;
  sid?: string;
  ver?: string;
  ord?: number;
  h: string;
  at: string;
}

export function encodeManifest(records: readonly StateRecord[]): string {
  const encoded: EncodedRecord[] = [...records]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => ({
      k: r.key,
      src: r.sourceId,
      ...(r.secretId === undefined ? {} : { sid: r.secretId }),
      ...(r.version === undefined ? {} : { ver: r.version }),
      ...(r.versionOrder === undefined ? {} : { ord: r.versionOrder }),
      h: r.hash,
      at: r.appliedAt,
    }));
  return JSON.stringify({ afsync: 1, records: encoded });
}

/** Reads a manifest back; a value someone edited into something else is an error, not "no manifest". */
export function decodeManifest(text: string, variable: string): StateRecord[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidValueError(`Airflow variable '${variable}' is not an afsync manifest (not JSON)`, { cause });
  }
  const records = (parsed as { afsync?: unknown; records?: unknown } | null)?.records;
  if ((parsed as { afsync?: unknown } | null)?.afsync !== 1 || !Array.isArray(records)) {
    throw new InvalidValueError(`Airflow variable '${variable}' is not an afsync manifest (expected {"afsync": 1, "records": [...]})`);
  }
  return records.map((raw, i) => {
    const r = (raw ?? {}) as Record<string, unknown>;
    const key = typeof r.k === "string" ? parseKeyString(r.k) : null;
    if (key === null || typeof r.src !== "string" || typeof r.h !== "string" || typeof r.at !== "string") {
      throw new InvalidValueError(`Airflow variable '${variable}': record ${i} is malformed (needs k, src, h, at)`);
    }
    return {
      key: r.k as StateRecord["key"],
      sourceId: r.src,
      hash: r.h,
      appliedAt: r.at,
      ...(typeof r.sid === "string" ? { secretId: r.sid } : {}),
      ...(typeof r.ver === "string" ? { version: r.ver } : {}),
      ...(typeof r.ord === "number" ? { versionOrder: r.ord } : {}),
    };
  });
}

/** The same records, in a stable order, so an unchanged manifest is not rewritten. */
export function sameManifest(a: readonly StateRecord[] | null, b: readonly StateRecord[]): boolean {
  return a !== null && encodeManifest(a) === encodeManifest(b);
}
