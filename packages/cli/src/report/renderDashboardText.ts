import { formatMs } from "@afsync/core/engine/timeToEffective";
import type { DashboardView } from "../dashboard/DashboardView.ts";

/** `afsync report --coverage` in words: per source, what its provider announces and what only the reconciliation finds. */
export function renderCoverage(view: DashboardView): string {
  const lines = ["Event coverage (which changes reach afsync as events, which only the reconciliation finds):", ""];
  if (view.coverage.length === 0) lines.push("No source.");
  for (const c of view.coverage) {
    lines.push(`${c.source} (${c.provider})`);
    lines.push(`  announced by:        ${c.transport}`);
    lines.push(`  announced:           ${c.announced.join(", ") || "nothing"}`);
    lines.push(
      `  reconciliation only: ${c.reconciliationOnly.length === 0 ? "nothing" : `${c.reconciliationOnly.join(", ")} — found within ${formatMs(c.reconcileEveryMs)}`}`,
    );
    if (c.notApplicable.length > 0) lines.push(`  no such change:      ${c.notApplicable.join(", ")}`);
    if (c.note !== undefined) lines.push(`  note:                ${c.note}`);
    lines.push("");
  }
  return `${lines.join("\n")}\n`;
}

/** The report's default text: per Deployment its time to effective, then the problems with what to do. */
export function renderDashboardSummary(view: DashboardView): string {
  const lines = [`${view.keys.length} key(s) × ${view.deployments.length} Deployment(s) — ${view.summary.join(" · ")}`, ""];
  for (const d of view.deployments) {
    lines.push(`Deployment ${d.id} → ${d.target} (${d.status}${d.error === undefined ? "" : `: ${d.error}`})`);
    for (const t of d.timeToEffective)
      for (const p of t.paths) lines.push(`  time to effective from ${t.source}, ${p.changes.join("/")}: ${p.total}`);
  }
  lines.push("", `Problems (${view.problems.length}):`);
  if (view.problems.length === 0) lines.push("  none");
  for (const p of view.problems) {
    const where = [p.deployment, p.key].filter((x) => x !== undefined).join(" ");
    lines.push(`  ${where === "" ? "" : `${where}: `}${p.message}`, `    what to do: ${p.remedy}`);
  }
  return `${lines.join("\n")}\n`;
}
