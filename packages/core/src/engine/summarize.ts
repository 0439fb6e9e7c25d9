import { type DeploymentReport, emptyCounts, type RunSummary } from "./RunReport.ts";

/**
 * Totals over a run: one count per action, failed Deployments, target writes and source reads.
 * A change the target refused (or whose write threw) did not happen, so it is not counted as a
 * create/update/delete; its Deployment is reported failed instead.
 */
export function summarize(reports: readonly DeploymentReport[], reads: number): RunSummary {
  const counts = emptyCounts();
  let writes = 0;
  for (const report of reports) {
    writes += report.writes;
    for (const change of report.changes) if (change.error === undefined) counts[change.action] += 1;
  }
  return { ...counts, deployments: reports.length, failed: reports.filter((r) => r.status === "failed").length, writes, reads };
}
