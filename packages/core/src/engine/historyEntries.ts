import type { KeyString } from "../model/AirflowKey.ts";
import type { HistoryEntry, HistoryTrigger } from "../model/HistoryEntry.ts";
import type { PlanItem } from "./planDeployment.ts";

/**
 * The history of one applied plan: one entry per target write the target confirmed (`errors`
 * holds the keys it refused or never received). State-only refreshes and forgets change nothing
 * in the target, so they are not history.
 */
export function historyEntries(
  deploymentId: string,
  layer: string,
  items: readonly PlanItem[],
  errors: ReadonlyMap<KeyString, string>,
  how: HistoryTrigger,
  appliedAt: string,
): HistoryEntry[] {
  return items.flatMap((item): HistoryEntry[] => {
    const key = item.change.key;
    if (errors.has(key)) return [];
    if (item.upsert !== undefined) {
      const r = item.upsert.record;
      return [
        {
          deploymentId,
          key,
          action: item.change.action === "create" ? "create" : "update",
          layer,
          sourceId: r.sourceId,
          ...(r.secretId === undefined ? {} : { secretId: r.secretId }),
          ...(r.version === undefined ? {} : { version: r.version }),
          hash: r.hash,
          trigger: how,
          appliedAt,
        },
      ];
    }
    if (item.delete !== undefined) return [{ deploymentId, key, action: "delete", layer, trigger: how, appliedAt }];
    return [];
  });
}
