import type { KeyString } from "../model/AirflowKey.ts";
import type { Resolution } from "./resolvePrecedence.ts";

/**
 * One resolution per key for the Deployments of a run whose sources answer it alike. A
 * resolution is a pure function of what it is resolved from (the Deployment's sources in order,
 * each one's read and listing of the key, and the Deployment's record of it, which the run
 * shares between Deployments that applied the same version: `SharedStrings`), so a Deployment
 * whose inputs are the very objects the last resolution of the key came from takes that
 * resolution instead of making its own. A reconciliation of 100 Deployments in step makes each
 * key's resolution once, not once per Deployment, where each lived from the Deployment's
 * planning to its last write, long enough to outlive young collections. Read-only, like the
 * records. Dropped with the run.
 */
export class SharedResolutions {
  /** The last resolution made for each key, with its inputs. */
  readonly #held = new Map<KeyString, { readonly inputs: readonly unknown[]; readonly resolution: Resolution }>();

  /** The resolution of `ks` from `inputs` (compared by identity), made by `resolve` unless the last one came from them. */
  resolve(ks: KeyString, inputs: readonly unknown[], resolve: () => Resolution): Resolution {
    const held = this.#held.get(ks);
    if (held !== undefined && held.inputs.length === inputs.length && held.inputs.every((input, i) => input === inputs[i]))
      return held.resolution;
    const resolution = resolve();
    this.#held.set(ks, { inputs, resolution });
    return resolution;
  }
}
