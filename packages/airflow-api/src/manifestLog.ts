/**
 * The ownership manifest as a log of Airflow variables (ADR 008): a base holding every record up
 * to segment `upTo`, then segments holding only what one write changed. A write appends a segment
 * of its delta; once the records later writes superseded outnumber the live ones (or there are
 * too many variables), the next write folds them into a new base. Bytes written per change are then
 * amortized O(changed), where rewriting one variable costs O(owned) per chunk: 137 MB sent for a
 * 10,000-key first push that held 5 MB of values.
 */
import type { KeyString, StateRecord } from "@afsync/core";
import { decodeManifestPart, encodeManifestPart, sameRecord } from "./targetManifest.ts";

/**
 * Segments beyond this many (or beyond one per 100 keys owned, the size of a list page) are
 * folded into the base: Airflow 2's list carries no values, so each one costs a GET per read.
 */
export const MAX_MANIFEST_SEGMENTS = 128;

export interface ManifestSegment {
  readonly name: string;
  readonly seq: number;
  /** Records and removals it holds. */
  readonly size: number;
}

export interface ManifestLog {
  readonly records: ReadonlyMap<KeyString, StateRecord>;
  readonly hasBase: boolean;
  readonly upTo: number;
  /** Segments newer than the base, in the order they apply. */
  readonly segments: readonly ManifestSegment[];
  /** Segments already folded into the base that a crash left behind: ignored, deleted at the next fold. */
  readonly stale: readonly ManifestSegment[];
  /** Records the log holds that a later segment superseded or removed: what a fold would reclaim. */
  readonly garbage: number;
}

export interface ManifestWritePlan {
  /** The variable to write and its text. */
  readonly variable: string;
  readonly text: string;
  /** Segment variables to delete once the write is confirmed (a fold's old segments). */
  readonly deleteAfter: readonly string[];
  /** The log once the write lands. */
  readonly next: ManifestLog;
}

const SEGMENT_SUFFIX = /^\.(\d{1,15})\.([a-z0-9]{1,16})$/;

export function segmentVariable(base: string, seq: number, tag: string): string {
  return `${base}.${seq}.${tag}`;
}

/** The segment number of a variable that is one of `base`'s segments, else undefined. */
export function segmentSeq(base: string, variable: string): number | undefined {
  if (!variable.startsWith(base)) return undefined;
  const match = SEGMENT_SUFFIX.exec(variable.slice(base.length));
  return match === null ? undefined : Number(match[1]);
}

/** Whether a variable is afsync's bookkeeping: the base or one of its segments. */
export function isManifestVariable(base: string, variable: string): boolean {
  return variable === base || segmentSeq(base, variable) !== undefined;
}

/** Builds the log from the variables that hold it; null when there is none (nothing owned yet). */
export function loadManifestLog(base: string, parts: readonly { readonly variable: string; readonly text: string }[]): ManifestLog | null {
  const baseText = parts.find((p) => p.variable === base)?.text;
  const decodedBase = baseText === undefined ? undefined : decodeManifestPart(baseText, base);
  const upTo = decodedBase?.upTo ?? 0;
  const records = new Map<KeyString, StateRecord>((decodedBase?.records ?? []).map((r) => [r.key, r]));
  const segments: ManifestSegment[] = [];
  const stale: ManifestSegment[] = [];
  const decoded = parts
    .flatMap((p) => {
      const seq = segmentSeq(base, p.variable);
      return seq === undefined ? [] : [{ ...p, seq }];
    })
    .sort((a, b) => a.seq - b.seq || (a.variable < b.variable ? -1 : 1));
  let garbage = 0;
  for (const p of decoded) {
    const part = decodeManifestPart(p.text, p.variable);
    const segment = { name: p.variable, seq: p.seq, size: part.records.length + part.removed.length };
    if (p.seq <= upTo) {
      stale.push(segment);
      continue;
    }
    for (const r of part.records) {
      if (records.has(r.key)) garbage += 1;
      records.set(r.key, r);
    }
    for (const k of part.removed) {
      // The removal entry and the record it removes are both dead weight.
      garbage += records.delete(k) ? 2 : 1;
    }
    segments.push(segment);
  }
  if (decodedBase === undefined && decoded.length === 0) return null;
  return { records, hasBase: decodedBase !== undefined, upTo, segments, stale, garbage };
}

/**
 * What to write so the manifest says `next`: nothing when it already does, a segment of the
 * delta, or a new base when the segments have grown past the manifest itself. `tag` keeps two
 * writers that pick the same number from overwriting each other's segment.
 */
export function planManifestWrite(
  base: string,
  log: ManifestLog | null,
  next: readonly StateRecord[],
  tag: string,
): ManifestWritePlan | null {
  const before = log?.records ?? new Map<KeyString, StateRecord>();
  const after = new Map(next.map((r) => [r.key, r]));
  const changed = next.filter((r) => !sameRecord(before.get(r.key), r));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  if (changed.length === 0 && removed.length === 0) return null;

  const segments = log?.segments ?? [];
  // What this write makes dead: the records it supersedes and removes, and its removal entries.
  const superseded = changed.filter((r) => before.has(r.key)).length + 2 * removed.length;
  const garbage = (log?.garbage ?? 0) + superseded;
  const lastSeq = Math.max(log?.upTo ?? 0, ...segments.map((s) => s.seq), ...(log?.stale ?? []).map((s) => s.seq));
  // Folding once the dead records outnumber the live ones keeps the bytes a change costs at two
  // records amortized, and a first push (all new keys, nothing dead) is never folded.
  const fold =
    log === null || !log.hasBase || garbage > after.size || segments.length >= Math.max(MAX_MANIFEST_SEGMENTS, Math.ceil(after.size / 100));
  if (fold) {
    // The base is written first and names the last segment it folds in; the old segments are
    // deleted only after it landed, and a crash in between leaves them stale, never needed.
    return {
      variable: base,
      text: encodeManifestPart(next, { upTo: lastSeq }),
      deleteAfter: [...segments, ...(log?.stale ?? [])].map((s) => s.name),
      next: { records: after, hasBase: true, upTo: lastSeq, segments: [], stale: [], garbage: 0 },
    };
  }
  const seq = lastSeq + 1;
  const name = segmentVariable(base, seq, tag);
  return {
    variable: name,
    text: encodeManifestPart(changed, { seq, removed }),
    deleteAfter: [],
    next: { ...log, records: after, segments: [...segments, { name, seq, size: changed.length + removed.length }], garbage },
  };
}
