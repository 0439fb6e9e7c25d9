import { utcText } from "@afsync/core/engine/describeVersion";
import { buildDashboardView } from "../dashboard/buildDashboardView.ts";
import type { DashboardProblem, DashboardView } from "../dashboard/DashboardView.ts";
import { formatDuration } from "./formatDuration.ts";
import type { RunRecord, ServeStatus } from "./ServeStatus.ts";

/** The dashboard's view of what serve has recorded so far (runs, per-key outcomes and timings, event feeds). */
export function serveDashboardView(status: ServeStatus, now: Date): DashboardView {
  const last = status.lastRun;
  const problems: DashboardProblem[] = [];
  if (last?.error !== undefined)
    problems.push({
      message: `the last run (${last.trigger}) failed: ${last.error}`,
      remedy:
        "See serve's log for the step that failed; the next trigger or reconciliation runs again, and targets keep their last good values.",
    });
  for (const f of status.eventFeeds)
    if (f.refused === true)
      problems.push({
        message: `events for source ${f.source}: ${f.detail}`,
        remedy: `Grant the subscription (policy or edition) named above; until then the reconciliation every ${formatDuration(status.info.reconcileEveryMs)} finds its changes.`,
      });
  return buildDashboardView({
    title: "afsync serve",
    mode: "live",
    generatedAt: now,
    configPath: status.info.configPath,
    revision: status.revision,
    summary: [
      `up since ${utcText(new Date(status.startedAt))}`,
      `${status.runCount} run(s)`,
      `reconciliation every ${formatDuration(status.info.reconcileEveryMs)}`,
      `webhook ${status.info.webhook ? "enabled" : "disabled (no secret)"}`,
      last === undefined
        ? "Last run: none yet"
        : `Last run: ${utcText(new Date(last.startedAt))} (${last.trigger}, ${last.durationMs} ms) — ${outcomeOf(last)}`,
    ],
    reconcileEveryMs: status.info.reconcileEveryMs,
    deployments: status.deploymentStatuses.map((d) => ({
      shape: d.shape,
      status: d.status,
      ...(d.error === undefined ? {} : { error: d.error }),
      ...(d.lastRunAt === undefined ? {} : { lastRunAt: d.lastRunAt }),
      changes: [...d.keys.values()],
      timings: d.timings,
    })),
    problems,
    eventFeeds: status.eventFeeds,
    runs: status.recentRuns.map((r) => ({
      id: r.id,
      startedAt: r.startedAt,
      trigger: r.trigger,
      durationMs: r.durationMs,
      outcome: outcomeOf(r),
    })),
  });
}

export function outcomeOf(r: RunRecord): string {
  if (r.error !== undefined) return `failed: ${r.error}`;
  if (r.summary === undefined) return "";
  const s = r.summary;
  return (
    `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged, ` +
    `${s.invalid} invalid, ${s.conflict} conflicts, ${s.failed} failed Deployment(s), ${s.writes} write(s)`
  );
}
