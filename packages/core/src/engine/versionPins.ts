import { type AirflowKey, type KeyString, keyString } from "../model/AirflowKey.ts";
import type { VersionPin } from "../model/VersionPin.ts";
import type { SecretSource, SourceRead } from "../ports/SecretSource.ts";
import type { DeploymentBinding } from "./DeploymentBinding.ts";
import type { SourceReadSet } from "./SourceReadSet.ts";

/** `afsync rollback KEY --to VERSION`: what to re-apply. */
export interface RollbackRequest {
  readonly key: AirflowKey;
  /** The provider's version id, or a name it resolves (AWSPREVIOUS, `name:3` for SSM). */
  readonly version: string;
}

/** A Deployment's pins for one run: those in force (read at their version), those that ended, those made now. */
export interface PinPlan {
  readonly active: ReadonlyMap<KeyString, VersionPin>;
  readonly lapsed: readonly KeyString[];
  readonly created: readonly VersionPin[];
}

export const NO_PINS: PinPlan = { active: new Map(), lapsed: [], created: [] };

/**
 * The pins a rollback makes in one Deployment: the key's winning source (the first that holds
 * it, as precedence reads it) is read at the requested version. Throws, naming the source and the
 * version, where there is nothing to roll back to: the key is in no source, the source keeps no
 * versions (local files hold only the current value), or the provider no longer holds it.
 */
export async function pinsForRollback(
  binding: DeploymentBinding,
  request: RollbackRequest,
  reads: SourceReadSet,
  pinnedAt: string,
): Promise<PinPlan> {
  const ks = keyString(request.key);
  let winner: { source: SecretSource; read: SourceRead } | undefined;
  for (const source of binding.sources) {
    const read = reads.get(source.id, ks);
    if (read?.status === "error") throw new Error(`source ${source.id} could not be read for ${ks}: ${read.reason}`);
    if (read?.status === "found" || read?.status === "invalid") {
      winner = { source, read };
      break;
    }
  }
  if (winner === undefined) throw new Error(`${ks} is in none of Deployment ${binding.id}'s sources: there is nothing to roll back`);
  const { source, read: current } = winner;
  if (source.readVersion === undefined)
    throw new Error(
      `source ${source.id} (${source.provider}) keeps no versions: it holds only the current value of ${ks}, so there is no older version to roll back to`,
    );
  const older = await reads.readVersion(source, request.key, request.version);
  if (older.status === "missing")
    throw new Error(
      `source ${source.id} holds no version '${request.version}' of ${older.secretId || ks} (any more): nothing to roll back to`,
    );
  if (older.status === "error")
    throw new Error(`reading version '${request.version}' of ${ks} from source ${source.id} failed: ${older.reason}`);
  const heldOver = current.status === "found" || current.status === "invalid" ? current.version?.id : undefined;
  const pin: VersionPin = {
    key: ks,
    sourceId: source.id,
    secretId: older.secretId,
    version: older.version?.id ?? request.version,
    ...(heldOver === undefined ? {} : { heldOver }),
    pinnedAt,
  };
  return { active: new Map([[ks, pin]]), lapsed: [], created: [pin] };
}

/**
 * Which of a Deployment's stored pins still hold this run. A pin holds while the provider's
 * current version is the one it was made over; once the provider has a new version (or the
 * secret is gone, or the source left the Deployment) the rollback is over and the current value
 * applies again. A key the run did not read (an event run about other keys) keeps its pin
 * untouched. A held key is read at its pinned version.
 */
export async function pinsHeld(
  binding: DeploymentBinding,
  stored: ReadonlyMap<KeyString, VersionPin>,
  inScope: (ks: KeyString) => boolean,
  reads: SourceReadSet,
): Promise<PinPlan> {
  const active = new Map<KeyString, VersionPin>();
  const lapsed: KeyString[] = [];
  for (const pin of stored.values()) {
    if (!inScope(pin.key)) continue;
    const source = binding.sources.find((s) => s.id === pin.sourceId);
    if (source === undefined || source.readVersion === undefined) {
      lapsed.push(pin.key);
      continue;
    }
    // A source that could not be listed fails the Deployment this run; the pin waits for the next.
    if (reads.failure(source.id) !== undefined) continue;
    const current = reads.get(source.id, pin.key);
    const listed = reads.listedOnly(source.id, pin.key);
    // Unreadable now: nothing is known about the provider's current version, so the pin stays.
    const unknown = current?.status === "error";
    const currentVersion = current?.status === "found" || current?.status === "invalid" ? current.version?.id : listed?.version.id;
    const exists = listed !== undefined || current?.status === "found" || current?.status === "invalid";
    if (!unknown && (!exists || currentVersion !== pin.heldOver)) {
      lapsed.push(pin.key);
      continue;
    }
    active.set(pin.key, pin);
    const key = current?.key ?? listed?.key;
    if (key !== undefined) await reads.readVersion(source, key, pin.version);
  }
  return { active, lapsed, created: [] };
}

/**
 * A pinned source's answer for a key: its value at the pinned version, without the version's
 * order (a rollback is older by design, and the planner must not refuse it as out of order). A
 * version the provider no longer holds is an error, never a deletion: the value in place stays.
 */
export function pinnedRead(pin: VersionPin, reads: SourceReadSet, key: AirflowKey): SourceRead {
  const read = reads.getVersion(pin.sourceId, pin.key, pin.version);
  if (read === undefined || read.status === "missing") {
    return {
      status: "error",
      key,
      secretId: pin.secretId,
      reason: `rolled back to version ${pin.version}, which source ${pin.sourceId} no longer holds; run afsync rollback ${pin.key} --release`,
    };
  }
  if ((read.status === "found" || read.status === "invalid") && read.version?.order !== undefined) {
    const { order: _older, ...version } = read.version;
    return { ...read, version };
  }
  return read;
}
