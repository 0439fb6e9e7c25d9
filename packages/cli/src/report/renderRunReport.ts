import type { PlanAction, PlannedChange, RunReport } from "@afsync/core/engine/RunReport";
import { displayKeyString } from "@afsync/core/formats/targetKeyRules";

const SYMBOL: Record<PlanAction, string> = {
  create: "+",
  update: "~",
  delete: "-",
  unchanged: "=",
  conflict: "!",
  orphaned: "?",
  invalid: "x",
  shadowed: "^",
};

/**
 * The human form of a plan or sync: per Deployment, one line per key that matters (unchanged
 * keys are counted, not listed, unless `verbose`), the masked field diff under it, then totals.
 */
export function renderRunReport(report: RunReport, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const d of report.deployments) {
    lines.push(`Deployment ${d.id} → ${d.target}${d.status === "failed" ? "  FAILED" : ""}`);
    if (d.error !== undefined) lines.push(`  error: ${d.error}`);
    const shown = d.changes.filter((c) => options.verbose === true || c.action !== "unchanged");
    const keyWidth = Math.min(48, Math.max(8, ...shown.map((c) => displayKeyString(c.key).length)));
    for (const c of shown) lines.push(...renderChange(c, keyWidth));
    const unchanged = d.changes.length - d.changes.filter((c) => c.action !== "unchanged").length;
    if (options.verbose !== true && unchanged > 0) lines.push(`  (${unchanged} unchanged)`);
    if (d.changes.length === 0 && d.error === undefined) lines.push("  nothing to do");
    lines.push("");
  }
  lines.push(summaryLine(report));
  return `${lines.join("\n")}\n`;
}

function renderChange(c: PlannedChange, keyWidth: number): string[] {
  const action = c.action === "shadowed" && c.write !== undefined ? `shadowed (${c.write})` : c.action;
  const from = c.source === null ? "" : `  from ${c.source}`;
  // A key with a line break would otherwise print a line of its own (issue 8, finding 1).
  const out = [`  ${SYMBOL[c.action]} ${action.padEnd(10)} ${displayKeyString(c.key).padEnd(keyWidth)}${from}`];
  for (const f of c.diff ?? []) out.push(`      ${f.field}: ${f.before ?? "(unset)"} → ${f.after ?? "(unset)"}`);
  if (c.reason !== undefined) out.push(`      ${c.reason}`);
  for (const s of c.shadowedSources ?? []) out.push(`      also in ${s.source} (${s.same ? "same value" : "different value, shadowed"})`);
  if (c.error !== undefined) out.push(`      FAILED: ${c.error}`);
  return out;
}

function summaryLine(report: RunReport): string {
  const s = report.summary;
  const counts = `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged, ${s.conflict} conflict, ${s.orphaned} orphaned, ${s.invalid} invalid, ${s.shadowed} shadowed`;
  const failed = s.failed > 0 ? `; ${s.failed} of ${s.deployments} Deployments failed` : "";
  if (report.mode === "plan") return `Plan: ${counts}${failed}. Nothing was written.`;
  return `Sync: ${counts.replaceAll(" to ", " ")}${failed}; ${s.writes} target write${s.writes === 1 ? "" : "s"}.`;
}
