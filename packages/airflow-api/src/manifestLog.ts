/**
 * The ownership manifest as a log of Airflow variables (ADR 009): a base, then segments holding
 * only what one write changed. A write appends a segment of its delta; once the records later
 * writes superseded outnumber the live ones (or there are too many variables), the next write
 * folds the log into a new base. Bytes written per change are then amortized O(changed), where
 * rewriting one variable costs O(owned) per chunk: 137 MB sent for a 10,000-key first push that
 * held 5 MB of values.
 *
 * Writers never overwrite each other's segments (each has its own name), so two afsync processes
 * writing one Deployment at once both keep their records. A fold is built from a fresh read of
 * the log and names the segments it folded: a segment written meanwhile is not among them and
 * still applies on top of the new base.
 */
import type { KeyString, StateRecord } from "@afsync/core";
import { sameRecord } from "@afsync/core/model/mergeManifest";
import { decodeManifestPart, encodeManifestPart } from "./targetManifest.ts";

/**
 * Segments beyond this many (or beyond one per 100 keys owned, the size of a list page) are
 * folded into the base: Airflow 2's list carries no values, so each one costs a GET per read.
 */
export const MAX_MANIFEST_SEGMENTS = 128;

/** Dead records a log may carry before a fold, whatever its size: about 25 KB. */
export const MIN_FOLD_GARBAGE = 256;

export interface ManifestSegment {
  readonly name: string;
  readonly seq: number;
}

export interface ManifestLog {
  readonly records: ReadonlyMap<KeyString, StateRecord>;
  readonly hasBase: boolean;
  /** Segments not folded into the base, in the order they apply. */
  readonly segments: readonly ManifestSegment[];
  /** Segments the base already folded that a crash left behind: ignored, deleted at the next fold. */
  readonly stale: readonly ManifestSegment[];
  /** Records the log holds that a later segment superseded or removed: what a fold would reclaim. */
  readonly garbage: number;
  /** The highest segment number in use or named by the base: a new segment's number is above it, so it is never mistaken for a folded one. */
  readonly lastSeq: number;
}

/** What one write changes in the manifest. */
export interface ManifestDelta {
  readonly changed: readonly StateRecord[];
  readonly removed: readonly KeyString[];
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

/** A segment to write, or a fold to make from a fresh read of the log (`foldManifest`). */
export type ManifestStep =
  | { readonly kind: "segment"; readonly plan: ManifestWritePlan }
  | { readonly kind: "fold"; readonly delta: ManifestDelta };

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
  const folded = new Set(decodedBase?.folded ?? []);
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
    const segment = { name: p.variable, seq: p.seq };
    if (folded.has(p.variable)) {
      stale.push(segment);
      continue;
    }
    const part = decodeManifestPart(p.text, p.variable);
    for (const r of part.records) {
      if (records.has(r.key)) garbage += 1;
      records.set(r.key, r);
    }
    // A removal entry and the record it removes are both dead weight.
    for (const k of part.removed) garbage += records.delete(k) ? 2 : 1;
    segments.push(segment);
  }
  if (decodedBase === undefined && decoded.length === 0) return null;
  const lastSeq = Math.max(0, ...decoded.map((p) => p.seq), ...[...folded].map((n) => segmentSeq(base, n) ?? 0));
  return { records, hasBase: decodedBase !== undefined, segments, stale, garbage, lastSeq };
}

/** The records `next` changes and the keys it drops, against `before`. */
export function manifestDelta(before: ReadonlyMap<KeyString, StateRecord>, next: readonly StateRecord[]): ManifestDelta | null {
  const after = new Set(next.map((r) => r.key));
  const changed = next.filter((r) => !sameRecord(before.get(r.key), r));
  const removed = [...before.keys()].filter((k) => !after.has(k));
  return changed.length === 0 && removed.length === 0 ? null : { changed, removed };
}

/**
 * How to write `delta` into the log: a segment of it, or a fold (when the log has outgrown the
 * manifest: more dead records than live ones, or too many segments). `tag` keeps two writers that pick the same number from
 * overwriting each other's segment.
 */
export function planManifestWrite(base: string, log: ManifestLog | null, delta: ManifestDelta, tag: string, nowMs = 0): ManifestStep {
  const { records, garbage } = afterDelta(log, delta);
  const segments = log?.segments ?? [];
  // Folding once the dead records outnumber the live ones keeps the bytes a change costs at two
  // records amortized, and a first push (all new keys, nothing dead) is never folded.
  const tooMany = segments.length >= Math.max(MAX_MANIFEST_SEGMENTS, Math.ceil(records.size / 100));
  // A small manifest is not folded at every other write (a few KB of dead records cost nothing,
  // and every fold is a full read of the variables): folds start past MIN_FOLD_GARBAGE.
  // No base yet is no reason to fold: segments read without one, and a first write that folded
  // would cost a fresh read and the fold lock's two calls on the busiest write of all.
  if (garbage > Math.max(records.size, MIN_FOLD_GARBAGE) || tooMany) return { kind: "fold", delta };
  return { kind: "segment", plan: planManifestSegment(base, log, delta, tag, nowMs) };
}

/** The records once `delta` is written, and the dead records the log then carries. */
function afterDelta(log: ManifestLog | null, delta: ManifestDelta): { records: Map<KeyString, StateRecord>; garbage: number } {
  const before = log?.records ?? new Map<KeyString, StateRecord>();
  const records = new Map(before);
  for (const r of delta.changed) records.set(r.key, r);
  for (const k of delta.removed) records.delete(k);
  // What this write makes dead: the records it supersedes and removes, and its removal entries.
  const garbage = (log?.garbage ?? 0) + delta.changed.filter((r) => before.has(r.key)).length + 2 * delta.removed.length;
  return { records, garbage };
}

/**
 * `delta` as a new segment, whatever the log's size, with or without a base: always safe, since
 * no writer rewrites another's segment (what a writer does when another one is folding).
 */
export function planManifestSegment(
  base: string,
  log: ManifestLog | null,
  delta: ManifestDelta,
  tag: string,
  nowMs = 0,
): ManifestWritePlan {
  const { records, garbage } = afterDelta(log, delta);
  const lastSeq = log?.lastSeq ?? 0;
  // Segments apply in the order of their numbers, so a number must say when it was written: two
  // writers that read the same log would otherwise pick the same next number, and the older
  // write could sort last and hide the newer record. The write time in milliseconds does (and
  // stays above every number seen, so one writer's segments never go backwards).
  const seq = Math.max(lastSeq + 1, Math.floor(nowMs));
  const name = segmentVariable(base, seq, tag);
  return {
    variable: name,
    text: encodeManifestPart(delta.changed, { seq, removed: delta.removed }),
    deleteAfter: [],
    next: {
      records,
      hasBase: log?.hasBase ?? false,
      segments: [...(log?.segments ?? []), { name, seq }],
      stale: log?.stale ?? [],
      garbage,
      lastSeq: seq,
    },
  };
}

/**
 * A new base from a fresh read of the log with `delta` on top. It names every segment it folds;
 * they are deleted only after it landed, and a crash in between leaves them stale, never needed.
 * A segment another writer adds after the fresh read is not named, so it still applies on top.
 */
export function foldManifest(base: string, fresh: ManifestLog | null, delta: ManifestDelta): ManifestWritePlan {
  const records = new Map(fresh?.records ?? []);
  for (const r of delta.changed) records.set(r.key, r);
  for (const k of delta.removed) records.delete(k);
  const folded = [...(fresh?.segments ?? []), ...(fresh?.stale ?? [])].map((s) => s.name);
  return {
    variable: base,
    text: encodeManifestPart([...records.values()], { folded }),
    deleteAfter: folded,
    next: { records, hasBase: true, segments: [], stale: [], garbage: 0, lastSeq: fresh?.lastSeq ?? 0 },
  };
}
