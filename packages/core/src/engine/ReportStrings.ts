import type { KeyString } from "../model/AirflowKey.ts";
import type { PlannedChange } from "./RunReport.ts";

/** The fields of a change that every Deployment holding a key in step reports alike. */
const PLAIN_FIELDS = new Set(["key", "action", "source", "hash", "version"]);

/** Lists held per first change, to be shared by later Deployments that report exactly one of them. */
const LIST_CANDIDATES = 4;

/**
 * One copy per run of what a report repeats across Deployments. A reconciliation's report keeps
 * one change per key per Deployment, and each Deployment's plan makes its own strings (from its
 * own state records): held once each, and a plain change (key, action, source, hash prefix,
 * version: what an unchanged key reports) held once for all the Deployments that report it
 * alike, a no-op over 10,000 keys × 100 Deployments keeps 10,000 changes instead of a million.
 * Changes are read-only, so sharing one between Deployments' reports is safe. So are the lists:
 * Deployments in step report the very same changes in the same order, and then share one list
 * (a no-op over 100 Deployments held 100 lists of 10,000 slots, 8 MB, until the run ended).
 */
export class ReportStrings {
  readonly #strings = new Map<string, string>();
  /** The last plain change held per key, compared field by field (a composite string key per change held 10,000 strings of about 150 bytes). */
  readonly #plain = new Map<KeyString, PlannedChange>();
  /** Lists held, by their first change (the empty list by `null`): few candidates each. */
  readonly #lists = new Map<PlannedChange | null, (readonly PlannedChange[])[]>();

  /** The changes as `change` holds them, in a list shared with any earlier one that holds exactly those. */
  changes(changes: readonly PlannedChange[]): readonly PlannedChange[] {
    const held = changes.map((c) => this.change(c));
    const first = held[0] ?? null;
    const candidates = this.#lists.get(first);
    const same = candidates?.find((list) => list.length === held.length && list.every((c, i) => c === held[i]));
    if (same !== undefined) return same;
    // Deployments that differ keep lists of their own; a first change shared by many unlike lists
    // would make each lookup compare them all, so only the first few are held as candidates.
    if (candidates === undefined) this.#lists.set(first, [held]);
    else if (candidates.length < LIST_CANDIDATES) candidates.push(held);
    return held;
  }

  change(change: PlannedChange): PlannedChange {
    const { key, hash, version, source } = change;
    const fields = Object.keys(change);
    const plain = fields.every((field) => PLAIN_FIELDS.has(field));
    const held = plain ? this.#plain.get(key) : undefined;
    if (
      held !== undefined &&
      held.action === change.action &&
      held.source === source &&
      held.hash === hash &&
      held.version === version &&
      Object.keys(held).length === fields.length
    )
      return held;
    const shared: PlannedChange = {
      ...change,
      key: this.#one(key),
      source: source === null ? null : this.#one(source),
      ...(hash === undefined ? {} : { hash: this.#one(hash) }),
      ...(version === undefined ? {} : { version: this.#one(version) }),
    };
    if (plain) this.#plain.set(shared.key, shared);
    return shared;
  }

  #one<S extends string>(text: S): S {
    const held = this.#strings.get(text);
    if (held !== undefined) return held as S;
    this.#strings.set(text, text);
    return text;
  }
}
