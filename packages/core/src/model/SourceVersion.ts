/**
 * The version of a secret that a source read. `id` is the provider's own version id (AWS
 * VersionId, SSM Version, Key Vault version, GCP version number, Vault KV version, a file's
 * mtime). `order`, when the provider gives one, increases with every new version (SSM Version,
 * GCP/Vault version numbers, or the version's creation time in epoch ms) and is what lets the
 * engine refuse to replace a value with an older one after out-of-order events.
 */
export interface SourceVersion {
  readonly id: string;
  readonly order?: number;
}

/** True when `candidate` is known to be older than `current` (unknown order is never "older"). */
export function isOlderVersion(candidate: SourceVersion | undefined, current: SourceVersion | undefined): boolean {
  if (candidate?.order === undefined || current?.order === undefined) return false;
  return candidate.order < current.order;
}
