import type { AirflowKey, ChangeHint } from "@afsync/core";
import { keyString } from "@afsync/core";

/**
 * Folds a burst of hints into one per secret. One rotation alone emits about six events
 * (RotateSecret, RotationStarted, PutSecretValue as AWSPENDING, UpdateSecretVersionStage,
 * Secret Label Updated, RotationSucceeded), and delivery is at-least-once and unordered, so order
 * cannot say which came last. The engine re-reads anyway (level-triggered), so any upsert or
 * delete for a secret becomes one re-read: `upsert` if any event said so (a missing secret still
 * reads as a deletion), `delete` only if all did. A version survives only if every upsert named
 * the same one. Notices and ignores remain only when nothing actionable arrived for the secret.
 */
export function coalesceHints(hints: readonly ChangeHint[]): ChangeHint[] {
  const groups = new Map<string, ChangeHint[]>();
  for (const hint of hints) {
    const id = `${hint.provider}\u0000${hint.sourceId ?? ""}\u0000${hint.secretId}`;
    const group = groups.get(id);
    if (group) group.push(hint);
    else groups.set(id, [hint]);
  }
  return [...groups.values()].map(coalesceGroup);
}

function coalesceGroup(group: readonly ChangeHint[]): ChangeHint {
  const [first] = group;
  if (!first) throw new Error("coalesceGroup: empty group");
  if (group.length === 1) return first;
  const upserts = group.filter((h) => h.action === "upsert");
  const deletes = group.filter((h) => h.action === "delete");
  const keys = unionKeys(group);
  const withKeys = (h: ChangeHint): ChangeHint => (keys ? { ...h, keys } : h);
  if (upserts.length === 0 && deletes.length === 0) {
    const notice = group.find((h) => h.action === "notice");
    return withKeys({
      ...(notice ?? first),
      reason: `${group.length} events coalesced; ${notice?.reason ?? first.reason ?? "no value change"}`,
    });
  }
  const action = upserts.length > 0 ? "upsert" : "delete";
  const versions = new Set(upserts.map((h) => h.version));
  const version = deletes.length === 0 && versions.size === 1 ? [...versions][0] : undefined;
  const { version: _dropped, ...rest } = first;
  return withKeys({
    ...rest,
    action,
    ...(version !== undefined ? { version } : {}),
    reason: `${group.length} events coalesced into one re-read (${upserts.length} upsert, ${deletes.length} delete)`,
  });
}

function unionKeys(group: readonly ChangeHint[]): AirflowKey[] | undefined {
  const seen = new Map<string, AirflowKey>();
  for (const h of group) for (const k of h.keys ?? []) seen.set(keyString(k), k);
  return seen.size > 0 ? [...seen.values()] : undefined;
}
