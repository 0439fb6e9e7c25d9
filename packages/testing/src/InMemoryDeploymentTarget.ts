import {
  type AirflowKey,
  type AirflowValue,
  type ApplyOutcome,
  type ApplyRequest,
  type DeploymentTarget,
  type KeyProblem,
  type KeyString,
  keyString,
  type PrecedenceLayer,
  parseKeyString,
  type StateRecord,
  type TargetCapabilities,
  type TargetEntry,
  type TargetSnapshot,
} from "@afsync/core";
import { checkTargetKeys } from "@afsync/core/formats/targetKeyRules";

export interface InMemoryTargetOptions {
  readonly type?: string;
  readonly describe?: string;
  readonly layer?: PrecedenceLayer;
  /** False imitates REST APIs that redact values: `read` returns presence only. */
  readonly readsValues?: boolean;
  readonly holdsState?: boolean;
  /** The manifest is written by a call of its own after the values (see TargetCapabilities). */
  readonly writeAheadManifest?: boolean;
  readonly maxBatch?: number;
  /** Two fakes with one `claimScope` stand for two Deployments writing one store (overlapping claims). */
  readonly claimScope?: string;
}

/**
 * A Deployment layer in a Map. Counts calls, keeps the manifest when it `holdsState`, and
 * injects faults on demand: `failNextApply` (the call throws), `refuse` (one key is rejected),
 * `dieBeforeManifest` (the next apply with values writes them and dies before the manifest).
 */
export class InMemoryDeploymentTarget implements DeploymentTarget {
  readonly type: string;
  readonly describe: string;
  readonly layer: PrecedenceLayer;
  readonly capabilities: TargetCapabilities;
  readonly claimScope?: string;
  readonly values = new Map<KeyString, AirflowValue>();
  manifest: readonly StateRecord[] | null = null;
  readCalls = 0;
  applyCalls = 0;
  /** Every request received, for assertions about coalescing. */
  readonly requests: ApplyRequest[] = [];
  private failure: string | undefined;
  private dyingBeforeManifest = false;
  private readonly refused = new Map<KeyString, string>();

  constructor(options: InMemoryTargetOptions = {}) {
    this.type = options.type ?? "memory";
    this.describe = options.describe ?? "in-memory";
    this.layer = options.layer ?? "metadata-db";
    if (options.claimScope !== undefined) this.claimScope = options.claimScope;
    this.capabilities = {
      readsValues: options.readsValues ?? true,
      holdsState: options.holdsState ?? false,
      ...(options.writeAheadManifest === undefined ? {} : { writeAheadManifest: options.writeAheadManifest }),
      maxBatch: options.maxBatch ?? Number.POSITIVE_INFINITY,
    };
  }

  /** A value put there by someone else (the Airflow UI, a teammate): not afsync's. */
  seed(key: KeyString, value: AirflowValue): this {
    this.values.set(key, value);
    return this;
  }

  failNextApply(reason: string): this {
    this.failure = reason;
    return this;
  }

  /** The process writing is killed between the values and the manifest (a target that writes them apart). */
  dieBeforeManifest(): this {
    this.dyingBeforeManifest = true;
    return this;
  }

  refuse(key: KeyString, reason: string): this {
    this.refused.set(key, reason);
    return this;
  }

  /** A Map holds any key; like every target it refuses control characters. */
  checkKeys(keys: readonly AirflowKey[]): KeyProblem[] {
    return checkTargetKeys(keys, { target: this.type, nameOf: keyString });
  }

  async read(): Promise<TargetSnapshot> {
    this.readCalls += 1;
    const entries = new Map<KeyString, TargetEntry>();
    for (const [ks, value] of this.values) {
      const key = parseKeyString(ks);
      if (key !== null) entries.set(ks, this.capabilities.readsValues ? { key, value } : { key });
    }
    return { entries, ...(this.capabilities.holdsState ? { manifest: this.manifest } : {}) };
  }

  async apply(request: ApplyRequest): Promise<ApplyOutcome> {
    this.applyCalls += 1;
    this.requests.push(request);
    if (this.failure !== undefined) {
      const reason = this.failure;
      this.failure = undefined;
      throw new Error(reason);
    }
    const results = [];
    const cannotHold = new Map(this.checkKeys(request.upserts.map((u) => u.key)).map((p) => [p.key, p.reason]));
    for (const { key, value } of request.upserts) {
      const ks = keyString(key);
      const refusal = this.refused.get(ks) ?? cannotHold.get(ks);
      if (refusal !== undefined) {
        results.push({ key: ks, ok: false, error: refusal });
        continue;
      }
      this.values.set(ks, value);
      results.push({ key: ks, ok: true });
    }
    for (const key of request.deletes) {
      const ks = keyString(key);
      this.values.delete(ks);
      results.push({ key: ks, ok: true });
    }
    if (this.dyingBeforeManifest && request.upserts.length + request.deletes.length > 0) {
      this.dyingBeforeManifest = false;
      throw new Error("killed after the values were written, before the manifest");
    }
    if (this.capabilities.holdsState) this.manifest = [...request.manifest];
    return { results, calls: 1 };
  }
}
