import type { KeyString } from "./AirflowKey.ts";

/**
 * A key of one Deployment held at an older version by `afsync rollback`: every run reads it at
 * `version` instead of the provider's current one, for as long as the provider's current version
 * is still `heldOver` (the one that was rolled back). A new version at the provider (a fix, a
 * rotation) or `afsync rollback KEY --release` ends the pin, and the current value applies again.
 * Never a value: versions are the provider's own ids.
 */
export interface VersionPin {
  readonly key: KeyString;
  readonly sourceId: string;
  readonly secretId: string;
  /** The provider's id of the version held (resolved: AWSPREVIOUS is stored as its VersionId). */
  readonly version: string;
  /** The provider's current version when the pin was made; undefined when it had none (unknown). */
  readonly heldOver?: string;
  /** ISO-8601 time of the rollback, from the Clock port. */
  readonly pinnedAt: string;
}
