import type { RunReport } from "@afsync/core/engine/RunReport";
import type { RunRecord } from "./ServeStatus.ts";

/**
 * What serve prints after each run: one summary line, then one line per thing that needs a
 * human (a failed Deployment, an invalid value, a conflict, a refused write). Reports carry
 * reasons and masked diffs only, so nothing here can hold a value.
 */
export function formatRunLines(record: RunRecord, report: RunReport | null): string[] {
  const head = `[${record.startedAt}] ${record.trigger}`;
  if (record.error !== undefined || report === null) return [`${head}: run failed: ${record.error ?? "unknown error"}`];
  const s = report.summary;
  const counts = [
    `${s.create} created`,
    `${s.update} updated`,
    `${s.delete} deleted`,
    `${s.unchanged} unchanged`,
    ...(s.invalid > 0 ? [`${s.invalid} invalid`] : []),
    ...(s.conflict > 0 ? [`${s.conflict} conflict(s)`] : []),
    ...(s.orphaned > 0 ? [`${s.orphaned} orphaned`] : []),
    ...(s.shadowed > 0 ? [`${s.shadowed} shadowed`] : []),
    ...(s.failed > 0 ? [`${s.failed} Deployment(s) failed`] : []),
  ];
  const lines = [`${head}: ${counts.join(", ")}; ${s.writes} write(s) in ${record.durationMs} ms`];
  for (const d of report.deployments) {
    if (d.status === "failed") lines.push(`  ${d.id}: FAILED: ${d.error ?? "unknown error"}`);
    for (const c of d.changes) {
      if (c.error !== undefined) lines.push(`  ${d.id} ${c.key}: write failed: ${c.error}`);
      else if (c.action === "invalid" || c.action === "conflict") lines.push(`  ${d.id} ${c.key}: ${c.action}: ${c.reason ?? ""}`);
    }
  }
  return lines;
}
