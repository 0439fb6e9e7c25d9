import type { AirflowKey } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { SourceVersion } from "../model/SourceVersion.ts";

/** What a source can do, declared up front so the engine plans around it instead of failing. */
export interface SourceCapabilities {
  /** Most keys one read call fetches (AWS BatchGetSecretValue: 20; SSM GetParameters: 10; files: unlimited). */
  readonly batchSize: number;
  /**
   * Whether the versions its reads carry are ordered (AWS VersionId creation time, SSM Version):
   * only then does the engine refuse a value older than the one it applied.
   */
  readonly orderedVersions: boolean;
  /**
   * Whether `listVersions()` lists every key with its current version without reading values.
   * Declared only where the listed version changes with EVERY value change (AWS VersionId, Vault
   * KV v2 `current_version`): the engine then skips reading a key whose listed version is the one
   * it applied, so a version that can stay put while the value changes would hide that change.
   */
  readonly listsVersions?: boolean;
}

/** One key as a version listing gives it: no value, just which secret holds it at which version. */
export interface ListedVersion {
  readonly key: AirflowKey;
  readonly secretId: string;
  readonly version: SourceVersion;
}

/** One version of one key as the provider lists it (no value). */
export interface KeyVersion {
  readonly secretId: string;
  readonly version: string;
  /** ISO-8601 creation time, where the provider gives one. */
  readonly createdAt?: string;
  /** Whether this is the version Airflow reads now. */
  readonly current: boolean;
  /** Provider labels (AWSCURRENT, AWSPREVIOUS…) or state (disabled, destroyed) worth showing. */
  readonly labels?: readonly string[];
}

/** One key as a source holds it, after normalization. */
export type SourceRead =
  | {
      readonly status: "found";
      readonly key: AirflowKey;
      readonly secretId: string;
      readonly value: AirflowValue;
      readonly version?: SourceVersion;
    }
  | {
      /** The secret exists but its value is not a valid Airflow value: reported, never pushed. */
      readonly status: "invalid";
      readonly key: AirflowKey;
      readonly secretId: string;
      /** Why it is invalid; never contains the value. */
      readonly reason: string;
      readonly version?: SourceVersion;
    }
  | {
      /** The secret does not exist (any more): a deletion signal, not an error. */
      readonly status: "missing";
      readonly key: AirflowKey;
      readonly secretId: string;
    }
  | {
      /** The source could not be read for this key (throttled past retries, permission denied…). */
      readonly status: "error";
      readonly key: AirflowKey;
      readonly secretId: string;
      readonly reason: string;
    };

/** How a provider secret id maps back onto Airflow keys under a source's naming rules. */
export interface SecretIdMapping {
  /** Candidate keys; more than one where the naming is lossy (Key Vault turns `_` into `-`). */
  readonly keys: readonly AirflowKey[];
  /** Set when the secret is outside every prefix this source reads: why it is ignored. */
  readonly ignoredReason?: string;
}

/**
 * What routing an event needs of a source: which provider it reads and its naming rules, no
 * client. A cloud's producer functions build only this (see `@afsync/runtime/compose/buildSourceNamings`),
 * so their cold start never loads a provider SDK they do not call.
 */
export type SourceNaming = Pick<SecretSource, "id" | "provider" | "secretIdFor" | "keysFor">;

/**
 * A secrets manager (or local files) read the way an Airflow secrets backend reads it.
 * Options are the backend's own `backend_kwargs`.
 */
export interface SecretSource {
  readonly id: string;
  /** Provider name as used in hints: `aws-secrets-manager`, `aws-ssm`, `local`, … */
  readonly provider: string;
  readonly capabilities: SourceCapabilities;
  /**
   * Every key the source holds under its prefixes, read in batches (full reconciliation).
   * `onPage`, where the source reads in pages, hears each page's reads as it lands (after the
   * next page is asked for), so the caller can work on them while the read goes on; the list
   * returned is still the whole answer, and a source may never call it.
   */
  readAll(onPage?: (reads: readonly SourceRead[]) => void): Promise<SourceRead[]>;
  /**
   * Every key the source holds under its prefixes with its current version, and no value (only
   * when `capabilities.listsVersions`). Throws when the listing fails: a failed listing must
   * never read as "every key was deleted".
   */
  listVersions?(): Promise<ListedVersion[]>;
  /**
   * The current value of each key. `versions` pins a key to the version an event named, when the
   * provider can read that version exactly.
   */
  read(keys: readonly AirflowKey[], versions?: ReadonlyMap<string, string>): Promise<SourceRead[]>;
  /**
   * The key exactly as it was at an older `version` the provider still holds, for `afsync
   * rollback` (a version id, or a name the provider resolves such as AWSPREVIOUS; the read's
   * `version.id` is the resolved id). `missing` when the provider no longer holds that version.
   * Absent on sources that keep no versions (local files, Vault KV v1).
   */
  readVersion?(key: AirflowKey, version: string): Promise<SourceRead>;
  /**
   * The versions the provider holds for a key, newest first, with no value: what `afsync
   * history KEY` offers to roll back to. Absent where the provider cannot list them.
   */
  listKeyVersions?(key: AirflowKey): Promise<KeyVersion[]>;
  /** The provider secret id this source reads for a key, or null when it never looks the key up. */
  secretIdFor(key: AirflowKey): string | null;
  /** The keys a provider secret id maps to (reverse naming), or why it is ignored. */
  keysFor(secretId: string): SecretIdMapping;
  /** Release clients and watchers. */
  close?(): Promise<void>;
}
