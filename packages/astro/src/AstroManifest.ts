import { AfsyncError, type StateRecord } from "@afsync/core";
import { canonicalRecord } from "@afsync/core/model/mergeManifest";
import { z } from "zod";

/**
 * afsync's ownership state, kept inside Astro itself so the cloud mode needs no database: which
 * keys afsync owns, the source and version each came from, and the keyed hash of what was
 * written. It is stored as a non-secret value (an `AFSYNC_MANIFEST` Deployment variable, or an
 * unlinked Environment Manager object) so users can see what afsync owns in the Astro UI. Hashes
 * are HMACs whose key never sits here, so they reveal nothing about the values.
 *
 * Records are kept per owner: the afsync Deployment id (`deployments.<id>` in afsync.yaml) that
 * wrote them. Two configs (or two bindings) writing into one Astro Deployment each see only their
 * own records as owned, so neither deletes the other's keys as "gone from my sources".
 */

// The merge moved to core (the Airflow API target races the same way); re-exported for the Astro targets.
export { changedRecords, mergeManifest, sameRecord } from "@afsync/core/model/mergeManifest";

export const MANIFEST_FORMAT = "afsync-manifest";
export const MANIFEST_VERSION = 1;

const recordSchema = z
  .object({
    key: z.string().regex(/^(conn|var):.+$/s),
    sourceId: z.string(),
    secretId: z.string().optional(),
    version: z.string().optional(),
    versionOrder: z.number().optional(),
    hash: z.string(),
    appliedAt: z.string(),
  })
  .strict();

const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    version: z.literal(MANIFEST_VERSION),
    owners: z.record(z.string().min(1), z.array(recordSchema)),
  })
  .strict();

/** Owner id → the records that owner holds. */
export type ManifestOwners = Map<string, StateRecord[]>;

export const DEFAULT_MANIFEST_OWNER = "default";

/** A manifest in the target that afsync cannot read: reported, never silently dropped (that would disown every key). */
export class InvalidManifestError extends AfsyncError {
  constructor(where: string, reason: string) {
    super(
      "INVALID_MANIFEST",
      `the afsync manifest in ${where} is not readable (${reason}); fix or remove it, afsync will not guess what it owns`,
    );
  }
}

/**
 * Canonical text: owners and records sorted, fields in a fixed order, so equal manifests are equal
 * strings. Owners without records are dropped; null when no owner holds any.
 */
export function encodeManifest(owners: ReadonlyMap<string, readonly StateRecord[]>): string | null {
  const out: Record<string, StateRecord[]> = {};
  for (const owner of [...owners.keys()].sort()) {
    const records = owners.get(owner) ?? [];
    if (records.length > 0) out[owner] = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(canonicalRecord);
  }
  return Object.keys(out).length === 0 ? null : JSON.stringify({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, owners: out });
}

export function decodeManifest(text: string, where: string): ManifestOwners {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidManifestError(where, "not JSON");
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InvalidManifestError(
      where,
      issue === undefined ? "unexpected shape" : `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return new Map(
    Object.entries(result.data.owners).map(([owner, records]) => [owner, records.map((r) => canonicalRecord(r as StateRecord))]),
  );
}

/** A copy of `owners` with one owner's records replaced. */
export function withOwnerRecords(
  owners: ReadonlyMap<string, readonly StateRecord[]>,
  owner: string,
  records: readonly StateRecord[],
): ManifestOwners {
  const out: ManifestOwners = new Map([...owners].map(([o, r]) => [o, [...r]]));
  out.set(owner, [...records]);
  return out;
}
