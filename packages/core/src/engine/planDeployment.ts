import { validateKey } from "../formats/keyValidation.ts";
import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import { isOlderVersion } from "../model/SourceVersion.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { KeyProblem, TargetEntry } from "../ports/DeploymentTarget.ts";
import type { DeletionPolicy } from "./DeploymentBinding.ts";
import { hashPrefix, maskedDiff } from "./maskedDiff.ts";
import type { PlannedChange, ShadowedCandidate } from "./RunReport.ts";
import type { Candidate, Resolution } from "./resolvePrecedence.ts";

export interface PlanInput {
  readonly resolutions: readonly Resolution[];
  readonly targetEntries: ReadonlyMap<KeyString, TargetEntry>;
  /** Whether `targetEntries` carry values (local files) or presence only (REST APIs). */
  readonly targetReadsValues: boolean;
  /** What afsync owns in this Deployment: its state records. */
  readonly owned: ReadonlyMap<KeyString, StateRecord>;
  readonly deletion: DeletionPolicy;
  readonly adopt: boolean;
  /** The secrets backend the Deployment reads above the target, keyed by key string (found keys only). */
  readonly above?: { readonly sourceId: string; readonly holds: ReadonlyMap<KeyString, Candidate> };
  readonly hash: (value: AirflowValue) => string;
  /** ISO time stamped on new state records. */
  readonly now: string;
  readonly showSecrets?: boolean;
  /** What the target said it cannot hold (`DeploymentTarget.checkKeys`), by key. */
  readonly keyProblems?: ReadonlyMap<KeyString, KeyProblem>;
  /**
   * Items already planned from these very resolutions (by identity) with this same input but
   * before the key problems were known (`planKey` while the source's pages landed): taken as
   * they are unless the target has a problem with the key.
   */
  readonly known?: ReadonlyMap<Resolution, PlanItem | null>;
}

/** One planned key: the report line, and what applying it means for the target and the state. */
export interface PlanItem {
  readonly change: PlannedChange;
  readonly upsert?: { readonly key: AirflowKey; readonly value: AirflowValue; readonly record: StateRecord };
  readonly delete?: AirflowKey;
  /** A state record to write without touching the target (same value, newer source version). */
  readonly refresh?: StateRecord;
  /** Drop the state record without touching the target (the key is already gone from it). */
  readonly forget?: KeyString;
}

/**
 * Decides, key by key, what a sync does to one Deployment — pure, so `plan` and `sync` share it
 * and it can be tested without I/O. The rules (ownership, adoption, deletion policy, refusing
 * older versions, invalid values) are the issue's; each branch says which.
 */
export function planDeployment(input: PlanInput): PlanItem[] {
  const items: PlanItem[] = [];
  for (const res of input.resolutions) {
    const known = input.known?.get(res);
    const item = known !== undefined && input.keyProblems?.has(res.keyString) !== true ? known : planKey(res, input);
    if (item !== null) items.push(item);
  }
  return items.sort((a, b) => (a.change.key < b.change.key ? -1 : a.change.key > b.change.key ? 1 : 0));
}

/** One key's item (null: nothing to report), from its resolution alone: what `planDeployment` does per key. */
export function planKey(res: Resolution, input: PlanInput): PlanItem | null {
  const key = res.keyString;
  const owned = input.owned.get(key);
  const entry = input.targetEntries.get(key);
  const outcome = res.outcome;

  if (outcome.kind === "unknown") {
    return {
      change: { key, action: "invalid", source: outcome.sourceId, reason: `could not read source ${outcome.sourceId}: ${outcome.reason}` },
    };
  }
  if (outcome.kind === "invalid") {
    const kept = entry !== undefined ? "; the target keeps its current value" : "";
    return { change: { key, action: "invalid", source: outcome.sourceId, reason: `${outcome.reason}${kept}` } };
  }
  if (outcome.kind === "absent") {
    if (owned === undefined) return null; // never ours: not afsync's business
    if (input.deletion === "retain") {
      return { change: { key, action: "orphaned", source: null, reason: "gone from every source; kept because deletion is retain" } };
    }
    if (entry === undefined) {
      return {
        change: { key, action: "delete", source: null, reason: "gone from every source and already absent from the target" },
        forget: key,
      };
    }
    return { change: { key, action: "delete", source: null, reason: "gone from every source (deletion: delete)" }, delete: res.key };
  }

  const winner = outcome.winner;
  const keyErrors = validateKey(res.key).errors;
  if (keyErrors.length > 0) {
    // Airflow would drop or refuse the key (sanitize_conn_id, the 250-character columns).
    return { change: { key, action: "invalid", source: winner.sourceId, reason: `not a valid Airflow key: ${keyErrors.join("; ")}` } };
  }
  const problem = input.keyProblems?.get(key);
  if (problem !== undefined) {
    // The target's readers would not read this key back as itself (an injected line, a name
    // Compose refuses, two keys on one name): writing it would corrupt or grow the target.
    const kept = entry !== undefined ? "; the target keeps its current value" : "";
    const reason = `${problem.reason}${kept}`;
    return problem.collidesWith === undefined
      ? { change: { key, action: "invalid", source: winner.sourceId, reason } }
      : { change: { key, action: "conflict", source: winner.sourceId, reason, collidesWith: problem.collidesWith } };
  }
  const before = entryValue(entry, input);
  if (outcome.kind === "applied") return markShadowed(planApplied(res, owned, entry, before, outcome.winner, input), input, winner.hash);
  const common = commonOf(res, winner);
  const valued = outcome.winner;
  const record = stateRecord(key, winner.sourceId, winner.secretId, winner.version?.id, winner.version?.order, winner.hash, input.now);
  const upsert = { key: res.key, value: valued.value, record };

  let base: PlanItem;
  if (owned !== undefined) {
    const ownedVersion =
      owned.version === undefined
        ? undefined
        : { id: owned.version, ...(owned.versionOrder === undefined ? {} : { order: owned.versionOrder }) };
    if (owned.sourceId === winner.sourceId && isOlderVersion(winner.version, ownedVersion)) {
      // Events arrive out of order: never replace a value with one from an older version.
      base = {
        change: changeOf(common, {
          action: "unchanged",
          reason: `source returned version ${winner.version?.id ?? "?"}, older than the applied ${owned.version ?? "?"}; kept`,
        }),
      };
    } else if (owned.hash === winner.hash && before !== undefined && before !== "unknown" && input.hash(before) !== winner.hash) {
      // Drift: someone edited the value in the target. Only targets that read values back can
      // show it, and the target contract guarantees they read back exactly what was written.
      base = {
        change: changeOf(common, {
          action: "update",
          reason: "the target's value was changed outside afsync; restoring the source's value",
          diff: diff(before, valued, input),
        }),
        upsert,
      };
    } else if (owned.hash === winner.hash && entry !== undefined) {
      base =
        owned.version !== record.version || owned.sourceId !== record.sourceId
          ? {
              change: changeOf(common, { action: "unchanged" }),
              // The new version's record under the time the value was applied (a literal, as `record` is: see `stateRecord`).
              refresh: stateRecord(
                key,
                record.sourceId,
                record.secretId,
                record.version,
                record.versionOrder,
                record.hash,
                owned.appliedAt,
              ),
            }
          : unchangedItem(res, winner);
    } else if (entry === undefined) {
      base = {
        change: changeOf(common, {
          action: "create",
          reason: "afsync owns it but it is missing from the target",
          diff: diff(undefined, valued, input),
        }),
        upsert,
      };
    } else {
      base = { change: changeOf(common, { action: "update", diff: diff(before, valued, input, owned.hash) }), upsert };
    }
  } else if (entry !== undefined) {
    if (!input.adopt) {
      return {
        change: changeOf(common, {
          action: "conflict",
          reason: "the target already holds this key and afsync did not write it; left untouched (adopt: true takes it over)",
        }),
      };
    }
    base = {
      change: changeOf(common, {
        action: "update",
        reason: "adopted: the target held it before afsync",
        diff: diff(before, valued, input),
      }),
      upsert,
    };
  } else {
    base = { change: changeOf(common, { action: "create", diff: diff(undefined, valued, input) }), upsert };
  }
  return markShadowed(base, input, winner.hash);
}

type ChangeCommon = Omit<PlannedChange, "action">;

/** What every item of a key with a winning value says: the key, the winner's source, hash prefix and version, the sources it shadows. */
function commonOf(res: Resolution, winner: Candidate & { hash: string }): ChangeCommon {
  // Fields added in order to one literal, not spread in: see `changeOf`.
  const common: { -readonly [K in keyof ChangeCommon]: ChangeCommon[K] } = {
    key: res.keyString,
    source: winner.sourceId,
    hash: hashPrefix(winner.hash),
  };
  if (winner.version !== undefined) common.version = winner.version.id;
  const shadowed = shadowedSources(res.candidates, winner);
  if (shadowed !== undefined) common.shadowedSources = shadowed;
  return common;
}

/**
 * An "unchanged" item without a state refresh says nothing its resolution does not, so it is
 * made once per resolution, and Deployments in step, which share their keys' resolutions
 * (`SharedResolutions`), share their items: a no-op of 10,000 keys × 100 Deployments made a
 * million of them (three objects and a string each), each living until its Deployment's turn
 * ended. Items are never changed once made; a resolution's entry goes with the resolution.
 */
const UNCHANGED_ITEMS = new WeakMap<Resolution, PlanItem>();

function unchangedItem(res: Resolution, winner: Candidate & { hash: string }): PlanItem {
  let item = UNCHANGED_ITEMS.get(res);
  if (item === undefined) {
    item = { change: changeOf(commonOf(res, winner), { action: "unchanged" }) };
    UNCHANGED_ITEMS.set(res, item);
  }
  return item;
}

/**
 * `{ ...common, ...fields }`, built by `Object.assign` on a fresh object: an object spread
 * followed by new properties (`{ ...common, action }`) leaves V8 a dictionary-mode object of
 * about 300 bytes where this is under 100, and a plan makes one per key (a no-op of 10,000 keys
 * × 100 Deployments, a million, several Deployments' worth alive at once).
 */
function changeOf(common: ChangeCommon, fields: Pick<PlannedChange, "action"> & Partial<PlannedChange>): PlannedChange {
  return Object.assign({}, common, fields);
}

/**
 * A key whose winning source listed the version afsync applied, its value not read: unchanged.
 * The engine reads the value instead whenever the plan could need it (not owned from this source
 * at this version, missing from the target, or drifted there), so the fallback below is an
 * invariant broken, reported rather than guessed at.
 */
function planApplied(
  res: Resolution,
  owned: StateRecord | undefined,
  entry: TargetEntry | undefined,
  before: AirflowValue | "unknown" | undefined,
  winner: Candidate & { hash: string; version: { id: string } },
  input: PlanInput,
): PlanItem {
  const drifted = before !== undefined && before !== "unknown" && input.hash(before) !== winner.hash;
  if (
    owned?.sourceId === winner.sourceId &&
    owned.version === winner.version.id &&
    owned.hash === winner.hash &&
    entry !== undefined &&
    !drifted
  )
    return unchangedItem(res, winner);
  return {
    change: {
      key: res.keyString,
      action: "invalid",
      source: winner.sourceId,
      reason: "its value was not read (listed at the applied version) but the plan needs it; the next reconciliation reads it",
    },
  };
}

/** A key the Deployment's own secrets backend also holds: Airflow reads that copy first. */
function markShadowed(item: PlanItem, input: PlanInput, winnerHash: string): PlanItem {
  const above = input.above?.holds.get(item.change.key);
  if (above === undefined || input.above === undefined) return item;
  const action = item.change.action;
  if (action !== "create" && action !== "update" && action !== "unchanged") return item;
  const same = above.hash === winnerHash;
  const reason = `the Deployment's secrets backend (${input.above.sourceId}) also holds it with ${same ? "the same" : "a different"} value; Airflow reads that copy first`;
  return {
    ...item,
    change: Object.assign({}, item.change, { action: "shadowed", reason }, action === "unchanged" ? {} : { write: action }),
  };
}

/** The lower sources that also hold the key, or undefined when none does (most keys: no arrays made for them). */
function shadowedSources(candidates: readonly Candidate[], winner: Candidate & { hash: string }): ShadowedCandidate[] | undefined {
  let lower: ShadowedCandidate[] | undefined;
  for (const c of candidates) {
    if (c.rank <= winner.rank || c.status !== "found") continue;
    lower ??= [];
    lower.push({ source: c.sourceId, same: c.hash === winner.hash });
  }
  return lower;
}

function entryValue(entry: TargetEntry | undefined, input: PlanInput): AirflowValue | "unknown" | undefined {
  if (entry === undefined) return undefined;
  return input.targetReadsValues && entry.value !== undefined ? entry.value : "unknown";
}

function diff(
  before: AirflowValue | "unknown" | undefined,
  winner: { value: AirflowValue; hash: string },
  input: PlanInput,
  knownHash?: string,
) {
  const beforeHash = before !== undefined && before !== "unknown" ? input.hash(before) : knownHash;
  return maskedDiff(
    before,
    winner.value,
    { after: winner.hash, ...(beforeHash === undefined ? {} : { before: beforeHash }) },
    input.showSecrets,
  );
}
