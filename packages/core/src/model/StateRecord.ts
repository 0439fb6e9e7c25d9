import type { KeyString } from "./AirflowKey.ts";

/**
 * What afsync last applied for one key of one Deployment. The presence of a record is what
 * "afsync owns this key" means. `hash` is the keyed HMAC (hex) of the canonical value, so a
 * value can be compared without being stored.
 */
export interface StateRecord {
  readonly key: KeyString;
  readonly sourceId: string;
  readonly secretId?: string;
  readonly version?: string;
  readonly versionOrder?: number;
  readonly hash: string;
  /** ISO-8601 time of the write, from the Clock port. */
  readonly appliedAt: string;
}
