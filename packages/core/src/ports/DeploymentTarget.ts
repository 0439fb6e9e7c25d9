import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { StateRecord } from "../model/StateRecord.ts";
import type { PresentKeys } from "./PresentKeys.ts";

/**
 * The precedence layers of a Deployment, highest first (Astro's "Configure a secrets backend"):
 * a secrets backend, the Astro Environment Manager, environment variables, the metadata DB.
 */
export type PrecedenceLayer = "secrets-backend" | "environment-manager" | "environment-variables" | "metadata-db";

export const LAYER_ORDER: readonly PrecedenceLayer[] = ["secrets-backend", "environment-manager", "environment-variables", "metadata-db"];

export interface TargetCapabilities {
  /** Whether `read` returns values (local files) or only presence (REST APIs redact secrets). */
  readonly readsValues: boolean;
  /** Whether the target keeps afsync's state (an ownership manifest) itself, written with the values. */
  readonly holdsState: boolean;
  /** Most writes one call carries (Airflow v2 bulk endpoints), or 1 for one-by-one APIs. */
  readonly maxBatch: number;
  /**
   * With `holdsState`: the manifest lands in a call of its own, after the values (the Airflow
   * REST API, Astro Environment Manager objects), not atomically with them. A process killed
   * between the two would leave a key afsync created but never recorded, which every later run
   * refuses as someone else's (a conflict). The engine then records each create as pending in the
   * manifest first. Leave it unset when one call carries values and manifest (Astro env vars).
   */
  readonly writeAheadManifest?: boolean;
}

/** One copy per run of equal strings: `one` gives back the copy held for `text`'s content. */
export interface StringPool {
  one<S extends string>(text: S): S;
  /** One copy per run of equal key sets of a presence-only target (`PresentKeys.sharing`); takes the arrays over. */
  presentKeys?(connectionIds: string[], variableKeys: string[]): PresentKeys;
}

/** One key as the target holds it now. */
export interface TargetEntry {
  readonly key: AirflowKey;
  /** The value, when the target returns it unredacted (local files). Never written back. */
  readonly value?: AirflowValue;
}

export interface TargetSnapshot {
  readonly entries: ReadonlyMap<KeyString, TargetEntry>;
  /** The ownership manifest stored in the target (targets with `holdsState`), null if none yet. */
  readonly manifest?: readonly StateRecord[] | null;
}

export interface ApplyRequest {
  readonly upserts: readonly { readonly key: AirflowKey; readonly value: AirflowValue }[];
  readonly deletes: readonly AirflowKey[];
  /**
   * Every record afsync will own after this apply. Targets with `holdsState` write it together
   * with the values (for example a non-secret `AFSYNC_MANIFEST` variable); others ignore it.
   */
  readonly manifest: readonly StateRecord[];
}

export interface ApplyItemResult {
  readonly key: KeyString;
  readonly ok: boolean;
  /** What went wrong, with the server's message; never a secret value. */
  readonly error?: string;
}

export interface ApplyOutcome {
  readonly results: readonly ApplyItemResult[];
  /** Calls made to the target's API (what the user pays for), for reports and benchmarks. */
  readonly calls?: number;
}

/**
 * A key the target cannot hold exactly. `reason` names the key and the rule, never a value.
 * `collidesWith` lists the other keys that become the same name in this target (a conflict:
 * none of them is written).
 */
export interface KeyProblem {
  readonly key: KeyString;
  readonly reason: string;
  readonly collidesWith?: readonly KeyString[];
}

/** One Deployment's layer that afsync writes into. */
export interface DeploymentTarget {
  /** Target type as in the config: `airflow-settings`, `env-file`, `airflow-api`, `astro-env-vars`, … */
  readonly type: string;
  /** Where it points, for reports (a path, a URL, an Astro Deployment id); never credentials. */
  readonly describe: string;
  readonly layer: PrecedenceLayer;
  readonly capabilities: TargetCapabilities;
  /**
   * Which of `keys` this target cannot hold so that its readers (Airflow, Docker Compose, the
   * REST API, …) read back exactly that key: control characters, names its readers refuse, keys
   * that become one name. Pure and synchronous: the engine asks while planning, so `plan` shows it.
   * Every adapter implements it (the target contract suite checks); it is optional only so that
   * a throwaway fake in a test need not.
   */
  checkKeys?(keys: readonly AirflowKey[]): KeyProblem[];
  /**
   * Local files this target writes (absolute paths). A sync locks each of them, so two runs, of
   * one config or of two configs sharing a file, never write it at once. Absent for REST targets.
   */
  readonly localFiles?: readonly string[];
  /**
   * The store this target writes, as an identity two targets share exactly when they write the
   * same keys: a normalized Airflow URL, an Astro Deployment id. The engine fails the Deployments
   * of a run that would write one key of one scope, before anything is written. Absent for local
   * files, which the config check already refuses to share between Deployments.
   */
  readonly claimScope?: string;
  /**
   * `strings`, when given, is the run's copy of each string (`SharedStrings`): a target that
   * keeps ids from its read may keep the run's copy instead of the fresh one its parser made, so
   * Deployments read in one run hold each id once, not once per read.
   */
  read(strings?: StringPool): Promise<TargetSnapshot>;
  apply(request: ApplyRequest): Promise<ApplyOutcome>;
  /**
   * The engine is done with this target for the run (its plan applied, or its read folded and
   * dropped until it is planned): let go of whatever `read` kept for the applies after it (key
   * sets, the manifest as read). A target lives as long as its binding, a whole `serve` process
   * or worker, so what it keeps from one read to the next grows with keys × Deployments. An
   * `apply` with no `read` since must still work (reading again what it needs); the engine reads
   * the target again before it plans it.
   */
  release?(): void;
  close?(): Promise<void>;
}
