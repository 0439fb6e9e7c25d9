/**
 * afsync's ownership manifest as it lives in the Deployment itself, in Airflow variables, so the
 * cloud functions need no database: which keys afsync owns, from which source and version, and
 * the keyed HMAC of the value it wrote. No values.
 *
 * It is a log (ADR 009): a base variable (`afsync_manifest` by default) and segment variables
 * (`afsync_manifest.<seq>.<tag>`) that each hold only the records one write changed, so a write
 * costs bytes in proportion to what it changed, not to everything afsync owns.
 *
 * The JSON deliberately keeps field names short and keys in arrays: Airflow 3 redacts variable
 * JSON whose keys contain `secret`, `token`, `password`, … on read, so neither a field name
 * (`secretId`) nor a key used as an object key (`conn:db_password`) may carry such a word.
 */
import type { KeyString, StateRecord } from "@afsync/core";
import { InvalidValueError, parseKeyString } from "@afsync/core";
import { PENDING_HASH } from "@afsync/core/engine/applyPlan";

export const DEFAULT_MANIFEST_VARIABLE = "afsync_manifest";
export const MANIFEST_DESCRIPTION = "Managed by afsync: the keys it owns here, with keyed hashes only. Do not edit.";

/** One manifest variable, decoded: a base or a segment. */
export interface ManifestPart {
  /** A base: the segment variables already folded into it (ignored when a crash left them behind). */
  readonly folded: readonly string[];
  readonly records: readonly StateRecord[];
  /** A segment's keys afsync no longer owns. */
  readonly removed: readonly KeyString[];
}

const HEX_HASH = /^[0-9a-f]{64}$/;
const PACKED_HASH = /^[A-Za-z0-9_-]{43}$/;

// A 256-bit keyed hash is 64 hex characters but 43 in base64url: a third of a record's bytes.
function packHash(hash: string): string {
  return HEX_HASH.test(hash) ? Buffer.from(hash, "hex").toString("base64url") : hash;
}

function unpackHash(hash: string): string {
  return PACKED_HASH.test(hash) ? Buffer.from(hash, "base64url").toString("hex") : hash;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LONG_HEX = /^(?:[0-9a-f]{2}){8,}$/;

// Version ids are mostly UUIDs (Secrets Manager) or long hex (Key Vault): packed to base64url
// behind a "~u"/"~h" marker; a version that itself starts with "~" is stored with one more.
function packVersion(version: string): string {
  if (UUID.test(version)) return `~u${Buffer.from(version.replaceAll("-", ""), "hex").toString("base64url")}`;
  if (LONG_HEX.test(version)) return `~h${Buffer.from(version, "hex").toString("base64url")}`;
  return version.startsWith("~") ? `~${version}` : version;
}

function unpackVersion(stored: string): string {
  if (stored.startsWith("~~")) return stored.slice(1);
  if (stored.startsWith("~u")) {
    const hex = Buffer.from(stored.slice(2), "base64url").toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  if (stored.startsWith("~h")) return Buffer.from(stored.slice(2), "base64url").toString("hex");
  return stored;
}

/** A key string's kind (`conn`) and id (`db`). */
function splitKey(key: string): [string, string] {
  const colon = key.indexOf(":");
  return [key.slice(0, colon), key.slice(colon + 1)];
}

/**
 * Records sharing a source, a key kind and (when every secret id is that prefix followed by the
 * key's id, as most source layouts name secrets: `airflow/connections/<conn_id>`) a secret-id
 * prefix. `r` holds the rows as one text (format 3): a line per record, fields
 * `id hash version versionOrder appliedAt secretId` separated by spaces, an empty field for none,
 * trailing empty fields dropped. A text rather than JSON arrays because the manifest travels as a
 * JSON string inside a JSON body: every quote of an array would be sent escaped, and quotes and
 * brackets were 15 of a record's 100 bytes. (Format 2 stored the same rows as arrays; it still reads.)
 */
interface EncodedGroup {
  s: string;
  k: string;
  p?: string;
  r: string;
}

/** Row fields are split on space and newline: those, and `%` itself, are %-escaped in a field. */
function escapeField(field: string): string {
  if (field === "") return "%%";
  return field.replace(/[% \n\r]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

function unescapeField(field: string): string | null {
  if (field === "") return null;
  if (field === "%%") return "";
  return field.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function encodeRow(row: readonly (string | number | null)[]): string {
  const fields = row.map((f) => (f === null ? "" : typeof f === "number" ? String(f) : escapeField(f)));
  while (fields.length > 2 && fields[fields.length - 1] === "") fields.pop();
  return fields.join(" ");
}

/**
 * Encodes a base (`seq` undefined) or a segment, grouped so that what most records of one write
 * share (source, kind, secret-id prefix, write time) is stored once: about 80 bytes a record.
 */
export function encodeManifestPart(
  records: readonly StateRecord[],
  options: { folded?: readonly string[]; seq?: number; removed?: readonly KeyString[] } = {},
): string {
  const times = new Map<string, number>();
  for (const r of records) times.set(r.appliedAt, (times.get(r.appliedAt) ?? 0) + 1);
  let at: string | null = null;
  let most = 0;
  for (const [time, count] of times) if (count > most) [at, most] = [time, count];
  const groups = new Map<string, EncodedGroup>();
  const sorted = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of sorted) {
    const [kind, id] = splitKey(r.key);
    // A create recorded ahead of its value (the engine's write-ahead) needs only its key: the
    // next run rewrites a pending key whatever else it says, so the rest is not stored twice.
    const pending = r.hash === PENDING_HASH;
    const prefix =
      !pending && r.secretId !== undefined && id !== "" && r.secretId.endsWith(id)
        ? r.secretId.slice(0, r.secretId.length - id.length)
        : undefined;
    const groupKey = JSON.stringify([r.sourceId, kind, prefix ?? null]);
    let group = groups.get(groupKey);
    if (group === undefined) {
      group = { s: r.sourceId, k: kind, ...(prefix === undefined ? {} : { p: prefix }), r: "" };
      groups.set(groupKey, group);
    }
    const row: (string | number | null)[] = pending
      ? [id, PENDING_HASH]
      : [
          id,
          packHash(r.hash),
          r.version === undefined ? null : packVersion(r.version),
          r.versionOrder ?? null,
          r.appliedAt === at ? null : r.appliedAt,
          prefix === undefined ? (r.secretId ?? null) : null,
        ];
    group.r = group.r === "" ? encodeRow(row) : `${group.r}\n${encodeRow(row)}`;
  }
  return JSON.stringify({
    afsync: 3,
    ...(options.seq === undefined ? { folded: [...(options.folded ?? [])].sort() } : { seq: options.seq }),
    at,
    groups: [...groups.values()],
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
  if (doc.afsync === 1 && Array.isArray(doc.records)) return { folded: [], records: decodeVersion1(doc.records, variable), removed: [] };
  if ((doc.afsync !== 2 && doc.afsync !== 3) || !Array.isArray(doc.groups)) {
    throw new InvalidValueError(`Airflow variable '${variable}' is not an afsync manifest (expected {"afsync": 3, "groups": [...]})`);
  }
  const textRows = doc.afsync === 3;
  const at = typeof doc.at === "string" ? doc.at : null;
  const records: StateRecord[] = [];
  for (const [g, rawGroup] of doc.groups.entries()) {
    const group = (rawGroup ?? {}) as Record<string, unknown>;
    const { s: sourceId, k: kind, p: prefix, r: rows } = group;
    if (
      typeof sourceId !== "string" ||
      typeof kind !== "string" ||
      (textRows ? typeof rows !== "string" : !Array.isArray(rows)) ||
      (prefix !== undefined && typeof prefix !== "string")
    ) {
      throw new InvalidValueError(`Airflow variable '${variable}': group ${g} is malformed (needs s, k and r)`);
    }
    const rowList: unknown[] = textRows ? (rows as string).split("\n").map(decodeTextRow) : (rows as unknown[]);
    for (const [i, raw] of rowList.entries()) {
      const [id, h, ver, ord, time, sid] = Array.isArray(raw) ? (raw as unknown[]) : [];
      const key = typeof id === "string" ? parseKeyString(`${kind}:${id}`) : null;
      const appliedAt = typeof time === "string" ? time : at;
      if (key === null || typeof h !== "string" || appliedAt === null) {
        throw new InvalidValueError(`Airflow variable '${variable}': group ${g} record ${i} is malformed (needs id, hash and time)`);
      }
      const secretId = typeof prefix === "string" ? prefix + (id as string) : typeof sid === "string" ? sid : undefined;
      records.push({
        key: `${kind}:${id as string}` as KeyString,
        sourceId,
        hash: unpackHash(h),
        appliedAt,
        ...(secretId === undefined ? {} : { secretId }),
        ...(typeof ver === "string" ? { version: unpackVersion(ver) } : {}),
        ...(typeof ord === "number" ? { versionOrder: ord } : {}),
      });
    }
  }
  const removed = Array.isArray(doc.removed) ? doc.removed : [];
  for (const [i, k] of removed.entries()) {
    if (typeof k !== "string" || parseKeyString(k) === null)
      throw new InvalidValueError(`Airflow variable '${variable}': removed entry ${i} is not a key`);
  }
  const folded = Array.isArray(doc.folded) ? doc.folded.filter((n): n is string => typeof n === "string") : [];
  return { folded, records, removed: removed as KeyString[] };
}

/** A format-3 row as the array format 2 stored: the version order is the one numeric field. */
function decodeTextRow(line: string): (string | number | null)[] {
  return line.split(" ").map((field, i) => {
    const text = unescapeField(field);
    return i === 3 && text !== null && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  });
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
