/**
 * afsync's ownership manifest as it lives in the Deployment itself, in Airflow variables, so the
 * cloud functions need no database: which keys afsync owns, from which source and version, and
 * the keyed HMAC of the value it wrote. No values.
 *
 * It is a log (ADR 008): a base variable (`afsync_manifest` by default) and segment variables
 * (`afsync_manifest.<seq>.<tag>`) that each hold only the records one write changed, so a write
 * costs bytes in proportion to what it changed, not to everything afsync owns.
 *
 * The JSON deliberately keeps field names short and keys in arrays: Airflow 3 redacts variable
 * JSON whose keys contain `secret`, `token`, `password`, … on read, so neither a field name
 * (`secretId`) nor a key used as an object key (`conn:db_password`) may carry such a word.
 */
import type { KeyString, StateRecord } from "@afsync/core";
import { InvalidValueError, parseKeyString } from "@afsync/core";

export const DEFAULT_MANIFEST_VARIABLE = "afsync_manifest";
export const MANIFEST_DESCRIPTION = "Managed by afsync: the keys it owns here, with keyed hashes only. Do not edit.";

/** One manifest variable, decoded: a base (everything up to segment `upTo`) or a segment. */
export interface ManifestPart {
  /** The base: every segment numbered `upTo` or lower is already folded into it. */
  readonly upTo: number;
  readonly records: readonly StateRecord[];
  /** A segment's keys afsync no longer owns. */
  readonly removed: readonly KeyString[];
}

/** A record as stored: [key, source index, hash, secretId, version, versionOrder, appliedAt]; trailing nulls dropped. */
type EncodedRecord = [string, number, string, ...(string | number | null)[]];

const HEX_HASH = /^[0-9a-f]{64}$/;
const PACKED_HASH = /^[A-Za-z0-9_-]{43}$/;

// A 256-bit keyed hash is 64 hex characters but 43 in base64url: a third of a record's bytes.
function packHash(hash: string): string {
  return HEX_HASH.test(hash) ? Buffer.from(hash, "hex").toString("base64url") : hash;
}

function unpackHash(hash: string): string {
  return PACKED_HASH.test(hash) ? Buffer.from(hash, "base64url").toString("hex") : hash;
}

/**
 * Encodes a base (`removed` empty, `seq` undefined) or a segment. Source ids and the write time,
 * the same for most records of one write, are stored once.
 */
export function encodeManifestPart(
  records: readonly StateRecord[],
  options: { upTo?: number; seq?: number; removed?: readonly KeyString[] } = {},
): string {
  const sources: string[] = [];
  const sourceIndex = new Map<string, number>();
  const times = new Map<string, number>();
  for (const r of records) times.set(r.appliedAt, (times.get(r.appliedAt) ?? 0) + 1);
  let at: string | null = null;
  let most = 0;
  for (const [time, count] of times) if (count > most) [at, most] = [time, count];
  const encoded = [...records]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r): EncodedRecord => {
      let s = sourceIndex.get(r.sourceId);
      if (s === undefined) {
        s = sources.push(r.sourceId) - 1;
        sourceIndex.set(r.sourceId, s);
      }
      const row: EncodedRecord = [
        r.key,
        s,
        packHash(r.hash),
        r.secretId ?? null,
        r.version ?? null,
        r.versionOrder ?? null,
        r.appliedAt === at ? null : r.appliedAt,
      ];
      while (row.length > 3 && row[row.length - 1] === null) row.pop();
      return row;
    });
  return JSON.stringify({
    afsync: 2,
    ...(options.seq === undefined ? { upTo: options.upTo ?? 0 } : { seq: options.seq }),
    at,
    src: sources,
    records: encoded,
    ...(options.removed !== undefined && options.removed.length > 0 ? { removed: [...options.removed].sort() } : {}),
  });
}

/** Reads a manifest variable back; a value someone edited into something else is an error, not "no manifest". */
export function decodeManifestPart(text: string, variable: string): ManifestPart {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidValueError(`Airflow variable '${variable}' is not an afsync manifest (not JSON)`, { cause });
  }
  const doc = (parsed ?? {}) as Record<string, unknown>;
  if (doc.afsync === 1 && Array.isArray(doc.records)) return { upTo: 0, records: decodeVersion1(doc.records, variable), removed: [] };
  if (doc.afsync !== 2 || !Array.isArray(doc.records) || !Array.isArray(doc.src)) {
    throw new InvalidValueError(`Airflow variable '${variable}' is not an afsync manifest (expected {"afsync": 2, "records": [...]})`);
  }
  const sources = doc.src as unknown[];
  const at = typeof doc.at === "string" ? doc.at : null;
  const records = doc.records.map((raw, i): StateRecord => {
    const row = Array.isArray(raw) ? (raw as unknown[]) : [];
    const [k, s, h, sid, ver, ord, time] = row;
    const key = typeof k === "string" ? parseKeyString(k) : null;
    const sourceId = typeof s === "number" ? sources[s] : undefined;
    const appliedAt = typeof time === "string" ? time : at;
    if (key === null || typeof sourceId !== "string" || typeof h !== "string" || appliedAt === null) {
      throw new InvalidValueError(`Airflow variable '${variable}': record ${i} is malformed (needs key, source, hash and time)`);
    }
    return {
      key: k as KeyString,
      sourceId,
      hash: unpackHash(h),
      appliedAt,
      ...(typeof sid === "string" ? { secretId: sid } : {}),
      ...(typeof ver === "string" ? { version: ver } : {}),
      ...(typeof ord === "number" ? { versionOrder: ord } : {}),
    };
  });
  const removed = Array.isArray(doc.removed) ? doc.removed : [];
  for (const [i, k] of removed.entries()) {
    if (typeof k !== "string" || parseKeyString(k) === null)
      throw new InvalidValueError(`Airflow variable '${variable}': removed entry ${i} is not a key`);
  }
  const upTo = typeof doc.upTo === "number" && Number.isSafeInteger(doc.upTo) && doc.upTo >= 0 ? doc.upTo : 0;
  return { upTo, records, removed: removed as KeyString[] };
}

/** The first format: one variable, an array of objects with every field spelled out. */
function decodeVersion1(records: unknown[], variable: string): StateRecord[] {
  return records.map((raw, i) => {
    const r = (raw ?? {}) as Record<string, unknown>;
    const key = typeof r.k === "string" ? parseKeyString(r.k) : null;
    if (key === null || typeof r.src !== "string" || typeof r.h !== "string" || typeof r.at !== "string") {
      throw new InvalidValueError(`Airflow variable '${variable}': record ${i} is malformed (needs k, src, h, at)`);
    }
    return {
      key: r.k as KeyString,
      sourceId: r.src,
      hash: r.h,
      appliedAt: r.at,
      ...(typeof r.sid === "string" ? { secretId: r.sid } : {}),
      ...(typeof r.ver === "string" ? { version: r.ver } : {}),
      ...(typeof r.ord === "number" ? { versionOrder: r.ord } : {}),
    };
  });
}

/** Whether two records say the same thing (so an unchanged record is not written again). */
export function sameRecord(a: StateRecord | undefined, b: StateRecord): boolean {
  return (
    a !== undefined &&
    a.key === b.key &&
    a.sourceId === b.sourceId &&
    a.hash === b.hash &&
    a.appliedAt === b.appliedAt &&
    a.secretId === b.secretId &&
    a.version === b.version &&
    a.versionOrder === b.versionOrder
  );
}
