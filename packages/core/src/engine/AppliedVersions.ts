import { type KeyString, keyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { TargetSnapshot } from "../ports/DeploymentTarget.ts";
import type { ListedVersion } from "../ports/SecretSource.ts";
import { PENDING_HASH } from "./applyPlan.ts";
import { isKeySelected } from "./keySelection.ts";

/** One Deployment reading the source, with its target as loaded for the run. */
export interface VersionReader {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** Whether the target's entries carry values (a drifted value is then caught by hash). */
  readonly readsValues: boolean;
  readonly snapshot: TargetSnapshot;
  readonly owned: ReadonlyMap<KeyString, StateRecord>;
}

/** The one (version, secret id) at which every Deployment holding a key in step applied it, and how many do. */
interface InStep {
  readonly version: string;
  readonly secretId: string | undefined;
  /** Counted in place: a new object per Deployment per key would be garbage that outlives young collections. */
  readers: number;
}

/**
 * What the Deployments of a run have applied from one source that lists versions, folded key by
 * key as each Deployment's target is loaded, so that the targets need not all be held at once:
 * memory grows with the keys, not with keys × Deployments. `needsValue` then tells, per listed
 * entry, whether some Deployment that selects the key could plan anything but "unchanged" from
 * it — it has not applied this very version from this very secret, or its target lacks the key
 * or holds a drifted value — so the value must be read.
 */
export class AppliedVersions {
  readonly #sourceId: string;
  readonly #hash: (value: AirflowValue) => string;
  /** Per key: where every selecting reader holding it in step agrees, or "read" when one is not in step. */
  readonly #keys = new Map<KeyString, InStep | "read">();
  /** Readers grouped by their globs, so a listed key is matched once per distinct selection. */
  readonly #selections = new Map<string, { include: readonly string[]; exclude: readonly string[]; readers: number }>();

  constructor(sourceId: string, hash: (value: AirflowValue) => string) {
    this.#sourceId = sourceId;
    this.#hash = hash;
  }

  add(reader: VersionReader): void {
    const selection = JSON.stringify([reader.include, reader.exclude]);
    const group = this.#selections.get(selection) ?? { include: reader.include, exclude: reader.exclude, readers: 0 };
    group.readers += 1;
    this.#selections.set(selection, group);
    for (const [ks, record] of reader.owned) {
      if (!isKeySelected(ks, reader.include, reader.exclude)) continue;
      const held = reader.snapshot.entries.get(ks);
      const inStep =
        record.hash !== PENDING_HASH &&
        record.sourceId === this.#sourceId &&
        record.version !== undefined &&
        held !== undefined &&
        !(reader.readsValues && held.value !== undefined && this.#hash(held.value) !== record.hash);
      const seen = this.#keys.get(ks);
      if (!inStep || record.version === undefined || seen === "read") {
        this.#keys.set(ks, "read");
      } else if (seen === undefined) {
        this.#keys.set(ks, { version: record.version, secretId: record.secretId, readers: 1 });
      } else if (seen.version === record.version && seen.secretId === record.secretId) {
        seen.readers += 1;
      } else {
        this.#keys.set(ks, "read"); // two Deployments applied different versions: one is behind
      }
    }
  }

  needsValue(entry: ListedVersion): boolean {
    const ks = keyString(entry.key);
    let selecting = 0;
    for (const { include, exclude, readers } of this.#selections.values()) if (isKeySelected(ks, include, exclude)) selecting += readers;
    if (selecting === 0) return false;
    const seen = this.#keys.get(ks);
    if (seen === undefined || seen === "read") return true;
    if (seen.version !== entry.version.id || (seen.secretId !== undefined && seen.secretId !== entry.secretId)) return true;
    // A selecting reader without a record for the key would create it.
    return seen.readers !== selecting;
  }
}
