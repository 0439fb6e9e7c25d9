import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import type { TargetEntry } from "./DeploymentTarget.ts";

/**
 * The keys a presence-only target holds (a REST API that redacts values), as the snapshot's
 * `entries`: two sorted arrays of ids behind the `ReadonlyMap` the engine reads, instead of a Map
 * with a key object, a key string and an entry per key. A snapshot lives from its target's read
 * to the Deployment's last write, long enough that everything in it reaches V8's old generation:
 * at 10,000 keys, a Map of entries was about 1.4 MB a read (0.29 GB over a no-op of 100
 * Deployments, each target read twice), the arrays are 80 KB of pointers to the ids the listing
 * gave. An entry is made when asked for (`get`, iteration) and dropped by the caller at once.
 */
export class PresentKeys implements ReadonlyMap<KeyString, TargetEntry> {
  readonly #connections: readonly string[];
  readonly #variables: readonly string[];

  /** Takes the arrays over: each is sorted and rid of repeats in place (a list paged while it changed may repeat an id). */
  constructor(connectionIds: string[], variableKeys: string[]) {
    this.#connections = sortedUnique(connectionIds);
    this.#variables = sortedUnique(variableKeys);
  }

  /**
   * `last` itself when the ids listed are exactly its ids, else a new set over them: Deployments
   * in step (the same keys in each target) then hold one set between them, which is what lets
   * the engine keep every target it read while folding instead of reading each one again to plan
   * it (`LOADED_ENTRIES_KEPT`). Compared id by id, each a pointer comparison when the ids are the
   * run's copies (`StringPool.one`).
   */
  static sharing(last: PresentKeys | undefined, connectionIds: string[], variableKeys: string[]): PresentKeys {
    const connections = sortedUnique(connectionIds);
    const variables = sortedUnique(variableKeys);
    if (last !== undefined && sameIds(last.#connections, connections) && sameIds(last.#variables, variables)) return last;
    return new PresentKeys(connections, variables);
  }

  get size(): number {
    return this.#connections.length + this.#variables.length;
  }

  has(ks: KeyString): boolean {
    if (ks.startsWith(CONNECTION)) return includesSorted(this.#connections, ks.slice(CONNECTION.length));
    if (ks.startsWith(VARIABLE)) return includesSorted(this.#variables, ks.slice(VARIABLE.length));
    return false;
  }

  get(ks: KeyString): TargetEntry | undefined {
    if (!this.has(ks)) return undefined;
    const key: AirflowKey = ks.startsWith(CONNECTION)
      ? { kind: "connection", id: ks.slice(CONNECTION.length) }
      : { kind: "variable", id: ks.slice(VARIABLE.length) };
    return { key };
  }

  *entries(): MapIterator<[KeyString, TargetEntry]> {
    for (const id of this.#connections) yield [`${CONNECTION}${id}`, { key: { kind: "connection", id } }];
    for (const id of this.#variables) yield [`${VARIABLE}${id}`, { key: { kind: "variable", id } }];
  }

  *keys(): MapIterator<KeyString> {
    for (const [ks] of this.entries()) yield ks;
  }

  *values(): MapIterator<TargetEntry> {
    for (const [, entry] of this.entries()) yield entry;
  }

  [Symbol.iterator](): MapIterator<[KeyString, TargetEntry]> {
    return this.entries();
  }

  forEach(callback: (value: TargetEntry, key: KeyString, map: ReadonlyMap<KeyString, TargetEntry>) => void, thisArg?: unknown): void {
    for (const [ks, entry] of this.entries()) callback.call(thisArg, entry, ks, this);
  }
}

// keyString's prefixes (model/AirflowKey.ts).
const CONNECTION = "conn:";
const VARIABLE = "var:";

function sortedUnique(ids: string[]): string[] {
  ids.sort();
  let kept = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    if (kept === 0 || ids[kept - 1] !== id) ids[kept++] = id;
  }
  ids.length = kept;
  return ids;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function includesSorted(ids: readonly string[], id: string): boolean {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const at = ids[mid] as string;
    if (at === id) return true;
    if (at < id) low = mid + 1;
    else high = mid;
  }
  return false;
}
