import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import { RestampedRecords } from "./RestampedRecords.ts";

/**
 * One key scope per run for the Deployments of a reconciliation that select alike. A scope is a
 * pure function of the run's reads, the Deployment's sources and globs, and the keys it owns, so
 * a Deployment whose sources and globs are the last scope's, and whose records hold the very
 * same key set (the same records map, or a view of it: `RestampedRecords`), takes that scope
 * instead of making its own: a Map of every key (10,000 entries a Deployment) that lived through
 * the Deployment's planning, long enough to reach V8's old generation. Read-only. Dropped with
 * the run.
 */
export class SharedScope {
  #last:
    | {
        readonly binding: DeploymentBinding;
        readonly keys: ReadonlyMap<KeyString, StateRecord>;
        readonly scope: ReadonlyMap<KeyString, AirflowKey>;
      }
    | undefined;

  /** The last scope when `binding` and `owned` select alike, else the one `make` gives (kept as the last). */
  scopeOf(
    binding: DeploymentBinding,
    owned: ReadonlyMap<KeyString, StateRecord>,
    make: () => ReadonlyMap<KeyString, AirflowKey>,
  ): ReadonlyMap<KeyString, AirflowKey> {
    const keys = keySetOf(owned);
    const last = this.#last;
    if (last !== undefined && last.keys === keys && selectsAlike(last.binding, binding)) return last.scope;
    const scope = make();
    this.#last = { binding, keys, scope };
    return scope;
  }
}

/** The map whose keys `owned`'s are (a view's are its base's). */
function keySetOf(owned: ReadonlyMap<KeyString, StateRecord>): ReadonlyMap<KeyString, StateRecord> {
  return owned instanceof RestampedRecords ? owned.base : owned;
}

/** Whether two Deployments select the same keys from the same reads: the same sources in order, the same globs. */
function selectsAlike(a: DeploymentBinding, b: DeploymentBinding): boolean {
  if (a === b) return true;
  return sameItems(a.sources, b.sources) && sameItems(a.include, b.include) && sameItems(a.exclude, b.exclude);
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
