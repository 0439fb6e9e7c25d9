import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { SourceVersion } from "../model/SourceVersion.ts";
import type { SourceRead } from "../ports/SecretSource.ts";

/** One source's answer for a key, with the keyed hash of its value when it has one. */
export interface Candidate {
  readonly sourceId: string;
  /** 1-based position in the Deployment's source list. */
  readonly rank: number;
  readonly status: SourceRead["status"];
  readonly secretId?: string;
  readonly value?: AirflowValue;
  readonly hash?: string;
  readonly version?: SourceVersion;
  readonly reason?: string;
}

export type Outcome =
  | { readonly kind: "value"; readonly winner: Candidate & { readonly value: AirflowValue; readonly hash: string } }
  /**
   * The winner listed the version afsync applied, so its value was not read: the hash is the
   * applied one (metadata-first reconciliation). Planned as unchanged, never written.
   */
  | { readonly kind: "applied"; readonly winner: Candidate & { readonly hash: string; readonly version: SourceVersion } }
  /** The first source that holds the key holds a value that does not parse. */
  | { readonly kind: "invalid"; readonly sourceId: string; readonly reason: string }
  /** A source above any holder could not be read: the winner is unknown, so nothing may change. */
  | { readonly kind: "unknown"; readonly sourceId: string; readonly reason: string }
  /** No source holds the key. */
  | { readonly kind: "absent" };

/** A key resolved across a Deployment's sources: the outcome and every candidate, in order. */
export interface Resolution {
  readonly key: AirflowKey;
  readonly keyString: KeyString;
  readonly candidates: readonly Candidate[];
  readonly outcome: Outcome;
}

/** A source's read for the key, or undefined when the source does not hold it. */
export interface SourceAnswer {
  readonly sourceId: string;
  readonly read: SourceRead | undefined;
  /**
   * When `read` is undefined: the source listed the key at the version afsync applied from it
   * (and so the value it hashed to), and the value was not read.
   */
  readonly listed?: { readonly secretId: string; readonly version: SourceVersion; readonly hash: string };
}

/**
 * Airflow's own lookup rule applied to the sources merged into one Deployment: walk the sources
 * in the order listed and take the first that holds the key. Unlike Airflow's backend chain, a
 * holder whose value does not parse does not fall through to the next source: that would push
 * a lower source's value over the last good one, so the key is `invalid` instead. A source
 * that failed to answer stops the walk too: whether it holds the key is unknown.
 */
export function resolvePrecedence(
  key: AirflowKey,
  answers: readonly SourceAnswer[],
  hash: (value: AirflowValue) => string,
  /** The key's string when the caller holds it already (the engine does): not made again per Deployment. */
  ks: KeyString = keyString(key),
): Resolution {
  const candidates: Candidate[] = answers.map((answer, index) => toCandidate(answer, index + 1, hash));
  let outcome: Outcome = { kind: "absent" };
  for (const c of candidates) {
    if (c.status === "missing") continue;
    if (c.status === "found" && c.value !== undefined && c.hash !== undefined) {
      // The candidate itself: it already has the value and hash the outcome's type insists on.
      outcome = { kind: "value", winner: c as Candidate & { value: AirflowValue; hash: string } };
    } else if (c.status === "found" && c.hash !== undefined && c.version !== undefined) {
      outcome = { kind: "applied", winner: c as Candidate & { hash: string; version: SourceVersion } };
    } else if (c.status === "invalid") {
      outcome = { kind: "invalid", sourceId: c.sourceId, reason: c.reason ?? "the value does not parse" };
    } else {
      outcome = { kind: "unknown", sourceId: c.sourceId, reason: c.reason ?? "the source could not be read" };
    }
    break;
  }
  return { key, keyString: ks, candidates, outcome };
}

/**
 * Each candidate is an object literal with its fields spelled out, never `{ ...base, more }`: an
 * object spread followed by new properties leaves V8 a dictionary-mode object of about 340 bytes
 * where a literal is about 70, and a run makes one per key per Deployment (a no-op of 10,000
 * keys × 100 Deployments, a million; with several Deployments planned at once, enough to reach
 * old space before they die).
 */
function toCandidate(answer: SourceAnswer, rank: number, hash: (value: AirflowValue) => string): Candidate {
  const read = answer.read;
  const sourceId = answer.sourceId;
  const listed = answer.listed;
  if (read === undefined && listed !== undefined)
    return { sourceId, rank, status: "found", secretId: listed.secretId, hash: listed.hash, version: listed.version };
  if (read === undefined) return { sourceId, rank, status: "missing" };
  switch (read.status) {
    case "found":
      return withVersion(
        { sourceId, rank, status: "found", secretId: read.secretId, value: read.value, hash: hash(read.value) },
        read.version,
      );
    case "invalid":
      return withVersion({ sourceId, rank, status: "invalid", secretId: read.secretId, reason: read.reason }, read.version);
    case "missing":
      return { sourceId, rank, status: "missing", secretId: read.secretId };
    case "error":
      return { sourceId, rank, status: "error", secretId: read.secretId, reason: read.reason };
  }
}

/** The candidate with its version, when the read has one (added last, as the field order always was). */
function withVersion(candidate: { -readonly [K in keyof Candidate]: Candidate[K] }, version: SourceVersion | undefined): Candidate {
  if (version !== undefined) candidate.version = version;
  return candidate;
}
