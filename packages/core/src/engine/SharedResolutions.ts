import type { KeyString } from "../model/AirflowKey.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { SecretSource } from "../ports/SecretSource.ts";
import type { Resolution } from "./resolvePrecedence.ts";
import type { SourceReadSet } from "./SourceReadSet.ts";

/** A resolution with what it was resolved from. */
interface Held {
  readonly record: StateRecord | undefined;
  readonly sources: readonly SecretSource[];
  readonly reads: readonly unknown[];
  readonly listed: readonly unknown[];
  readonly resolution: Resolution;
}

/**
 * One resolution per key for the Deployments of a run whose sources answer it alike. A
 * resolution is a pure function of what it is resolved from (the Deployment's sources in order,
 * each one's read and listing of the key, and what the Deployment applied: the source, version
 * and hash of its record, never when), so a Deployment whose reads are the very objects the last
 * resolution of the key came from, and whose record says the same of those three, takes that
 * resolution instead of making its own. Records that differ in `appliedAt` alone (Deployments
 * applied by runs of their own) share it too, and with it their unchanged plan items. A
 * reconciliation of 100 Deployments in step makes each key's resolution once, not once per
 * Deployment, where each lived from the Deployment's planning to its last write, long enough to
 * outlive young collections. `find` allocates
 * nothing: what a key's check allocates per Deployment is promoted too once V8 sees that the
 * first Deployment's (all kept) survived. Read-only, like the records. Dropped with the run.
 */
export class SharedResolutions {
  /** The last resolution made for each key. */
  readonly #held = new Map<KeyString, Held>();

  /** The last resolution of `ks` when it came from these very reads and an alike record (`resolvesAlike`). */
  find(ks: KeyString, record: StateRecord | undefined, sources: readonly SecretSource[], reads: SourceReadSet): Resolution | undefined {
    const held = this.#held.get(ks);
    if (held === undefined || !resolvesAlike(held.record, record) || held.sources.length !== sources.length) return undefined;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i] as SecretSource;
      if (held.sources[i] !== source || held.reads[i] !== reads.get(source.id, ks) || held.listed[i] !== reads.listedOnly(source.id, ks))
        return undefined;
    }
    return held.resolution;
  }

  /** Holds `resolution` as the last one of `ks`, made from these inputs. */
  keep(
    ks: KeyString,
    record: StateRecord | undefined,
    sources: readonly SecretSource[],
    reads: SourceReadSet,
    resolution: Resolution,
  ): void {
    this.#held.set(ks, {
      record,
      sources,
      reads: sources.map((source) => reads.get(source.id, ks)),
      listed: sources.map((source) => reads.listedOnly(source.id, ks)),
      resolution,
    });
  }
}

/**
 * Whether two records of a key give the same resolution: a record enters one only through what a
 * source listed at the version afsync applied (`answerOf` in the engine: the record's source,
 * version and hash, a pending hash included), never through its secret id, order or time. The
 * run's records hold its one copy of each string (`SharedStrings`), so each test is mostly a
 * pointer comparison.
 */
function resolvesAlike(a: StateRecord | undefined, b: StateRecord | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined) return false;
  return a.sourceId === b.sourceId && a.version === b.version && a.hash === b.hash;
}
