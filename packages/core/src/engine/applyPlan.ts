import type { AirflowKey, KeyString } from "../model/AirflowKey.ts";
import { keyString } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import { type StateRecord, stateRecord } from "../model/StateRecord.ts";
import type { DeploymentTarget } from "../ports/DeploymentTarget.ts";
import type { StateStore } from "../ports/StateStore.ts";
import type { PlanItem } from "./planDeployment.ts";
import { errorMessage } from "./SourceReadSet.ts";

export interface ApplyResult {
  /** Per-key errors the target reported (or the error of a call that threw). */
  readonly errors: ReadonlyMap<KeyString, string>;
  /** Target write calls made. */
  readonly writes: number;
  /** Set when a call threw: the rest of the plan was not attempted. */
  readonly failure?: string;
}

type Op =
  | { readonly kind: "upsert"; readonly key: AirflowKey; readonly value: AirflowValue; readonly record: StateRecord }
  | { readonly kind: "delete"; readonly key: AirflowKey };

/** The hash of a write-ahead record: matches no value, so the next plan rewrites the key. */
export const PENDING_HASH = "pending";

/** How many target writes a plan needs: the unit of the progress bar. */
export function countOps(items: readonly PlanItem[]): number {
  return items.filter((i) => i.upsert !== undefined || i.delete !== undefined).length;
}

/**
 * Writes one Deployment's plan: every change in one `apply` when the target takes them all
 * (coalescing: one write per Deployment per run), else in chunks of `maxBatch`. The state is
 * recorded only for what the target confirmed. Targets that hold their own state get, with each
 * call, the full manifest afsync will own once that call lands.
 */
export async function applyPlan(
  deploymentId: string,
  target: DeploymentTarget,
  items: readonly PlanItem[],
  owned: ReadonlyMap<KeyString, StateRecord>,
  state: StateStore,
  onOps: (done: number) => void,
): Promise<ApplyResult> {
  const ops: Op[] = [];
  const refreshed: StateRecord[] = [];
  const forgotten: KeyString[] = [];
  for (const item of items) {
    const u = item.upsert;
    // A literal, not `{ kind, ...item.upsert }`: one op per key changed (100,000 in a first sync of 10,000 keys × 10).
    if (u !== undefined) ops.push({ kind: "upsert", key: u.key, value: u.value, record: u.record });
    if (item.delete !== undefined) ops.push({ kind: "delete", key: item.delete });
    if (item.refresh !== undefined) refreshed.push(item.refresh);
    if (item.forget !== undefined) forgotten.push(item.forget);
  }
  // Nothing to write or record (a no-op reconciliation): no copy of what the Deployment owns.
  if (ops.length === 0 && refreshed.length === 0 && forgotten.length === 0) return { errors: new Map(), writes: 0 };
  const holdsState = target.capabilities.holdsState;
  // What afsync owns as the calls land, kept only for a target that holds its state (the only
  // reader of a manifest): for the others it was a copy of every owned record and a set per key.
  const manifest = holdsState ? new Map(owned) : undefined;
  for (const r of refreshed) manifest?.set(r.key, r);
  for (const k of forgotten) manifest?.delete(k);
  const saved: StateRecord[] = [...refreshed];
  const removed: KeyString[] = [...forgotten];
  const errors = new Map<KeyString, string>();
  let writes = 0;
  let failure: string | undefined;

  // Write-ahead for creates: record ownership before the target call, under a hash no value has.
  // A create that lands but whose outcome is lost (timeout, crash, the final save failing) is
  // then re-planned as afsync's own key (an update) next run, instead of becoming a conflict.
  const pending = new Set<KeyString>();
  const creates: StateRecord[] = [];
  for (const op of ops) if (op.kind === "upsert" && !owned.has(op.record.key)) creates.push(pendingRecord(op.record));
  if (!holdsState) {
    if (creates.length > 0) await state.save(deploymentId, creates, []);
    for (const r of creates) pending.add(r.key);
  } else if (target.capabilities.writeAheadManifest === true && creates.length > 0) {
    // The same write-ahead in a target that keeps its manifest apart from the values: a manifest
    // holding the pending records, alone, before any value is sent.
    for (const r of creates) {
      manifest?.set(r.key, r);
      pending.add(r.key);
    }
    try {
      const outcome = await target.apply({ upserts: [], deletes: [], manifest: [...(manifest?.values() ?? [])] });
      writes += outcome.calls ?? 1;
    } catch (error) {
      const reason = errorMessage(error);
      for (const op of ops) errors.set(keyString(op.key), `not applied: the manifest could not record the creates first: ${reason}`);
      onOps(ops.length);
      return { errors, writes, failure: reason };
    }
  }

  const max = target.capabilities.maxBatch;
  const size = Number.isFinite(max) && max >= 1 ? Math.floor(max) : Math.max(ops.length, 1);
  for (let i = 0; i < ops.length; i += size) {
    const chunk = ops.slice(i, i + size);
    try {
      const outcome = await target.apply({
        upserts: chunk.flatMap((op) => (op.kind === "upsert" ? [{ key: op.key, value: op.value }] : [])),
        deletes: chunk.flatMap((op) => (op.kind === "delete" ? [op.key] : [])),
        // Only a target that holds its state reads the manifest: copying every record per chunk
        // for the others cost O(records) a call, O(records²/maxBatch) a plan, for nothing.
        manifest: manifest === undefined ? [] : intendedManifest(manifest, chunk),
      });
      writes += outcome.calls ?? 1;
      const failed = new Map(outcome.results.filter((r) => !r.ok).map((r) => [r.key, r.error ?? "the target refused it"]));
      for (const op of chunk) {
        const k = op.kind === "upsert" ? op.record.key : keyString(op.key);
        const error = failed.get(k);
        if (error !== undefined) {
          errors.set(k, error);
          if (pending.has(k)) {
            // Refused: it did not land, so it is not ours.
            removed.push(k);
            manifest?.delete(k);
          }
        } else if (op.kind === "upsert") {
          manifest?.set(k, op.record);
          saved.push(op.record);
        } else {
          manifest?.delete(k);
          removed.push(k);
        }
      }
    } catch (error) {
      // Not counted as a write: whatever the call did, it did not confirm one (a report must not
      // say "2 target writes" for a directory it could not write to).
      failure = errorMessage(error);
      for (const op of ops.slice(i)) errors.set(keyString(op.key), `not applied: ${failure}`);
      // This chunk may have landed (keep its pending records); later chunks were never sent.
      for (const op of ops.slice(i + size)) if (pending.has(keyString(op.key))) removed.push(keyString(op.key));
      break;
    } finally {
      onOps(chunk.length);
    }
  }
  if (!holdsState && (saved.length > 0 || removed.length > 0)) await state.save(deploymentId, saved, removed);
  return failure === undefined ? { errors, writes } : { errors, writes, failure };
}

/** `record` under the write-ahead hash, built as `stateRecord` builds records (a spread and an override would not share its shape). */
function pendingRecord(r: StateRecord): StateRecord {
  return stateRecord(r.key, r.sourceId, r.secretId, r.version, r.versionOrder, PENDING_HASH, r.appliedAt);
}

/** The records afsync owns once `chunk` lands: what was confirmed so far, with the chunk's changes. */
function intendedManifest(confirmed: ReadonlyMap<KeyString, StateRecord>, chunk: readonly Op[]): StateRecord[] {
  const intended = new Map(confirmed);
  for (const op of chunk) {
    if (op.kind === "upsert") intended.set(op.record.key, op.record);
    else intended.delete(keyString(op.key));
  }
  return [...intended.values()];
}
