import type { ExplainCandidate, ExplainDeployment, ExplainReport, ShownValue } from "@afsync/core/engine/ExplainReport";
import { formatMs, type TimeToEffective } from "@afsync/core/engine/timeToEffective";

/** The human form of `afsync explain`: every layer and source per Deployment, masked. */
export function renderExplain(report: ExplainReport): string {
  const lines: string[] = [report.key, ""];
  if (report.deployments.length === 0) lines.push("No Deployment selected.");
  for (const d of report.deployments) lines.push(...renderDeployment(d), "");
  return `${lines.join("\n")}\n`;
}

function renderDeployment(d: ExplainDeployment): string[] {
  const out = [`Deployment ${d.id} → ${d.target}${d.selected ? "" : "  (key excluded by include/exclude)"}`];
  if (d.above.length > 0) {
    out.push("  above the target (Airflow reads these first):");
    for (const c of d.above) out.push(...renderCandidate(c, `${c.layer} ${c.source}`));
  }
  out.push("  sources (first listed wins):");
  for (const c of d.sources) out.push(...renderCandidate(c, `${c.rank ?? "?"}. ${c.source}`, d.winner?.source === c.source));
  out.push(`  target layer ${d.targetLayer.layer} (${d.targetLayer.source}):`);
  out.push(...renderCandidate(d.targetLayer, "now"));
  out.push(
    d.owned === null
      ? "  afsync does not own it here"
      : `  afsync owns it: wrote ${d.owned.hash}${d.owned.version === undefined ? "" : ` (version ${d.owned.version})`} from ${d.owned.source} at ${d.owned.appliedAt}`,
  );
  out.push(`  winner: ${d.winner === null ? "none" : `${d.winner.source}, hash ${d.winner.hash}`} — ${d.why}`);
  if (d.action !== null) out.push(`  next sync: ${d.action}${d.actionReason === undefined ? "" : ` — ${d.actionReason}`}`);
  out.push(`  Airflow reads it from: ${d.effective}`);
  out.push(...renderTimeToEffective(d.timeToEffective));
  if (d.error !== undefined) out.push(`  error: ${d.error}`);
  return out;
}

function renderCandidate(c: ExplainCandidate, label: string, winner = false): string[] {
  const facts = [
    c.status,
    c.hash === undefined ? "" : `hash ${c.hash}`,
    c.version === undefined ? "" : `version ${c.version}`,
    c.sameAsWinner === undefined || winner ? "" : c.sameAsWinner ? "same as winner" : "differs from winner",
    winner ? "← winner" : "",
  ].filter((f) => f !== "");
  const out = [`    ${label.padEnd(24)} ${facts.join("  ")}`];
  if (c.secretId !== undefined) out.push(`        secret id: ${c.secretId}`);
  if (c.value !== undefined) out.push(`        ${showValue(c.value)}`);
  if (c.reason !== undefined) out.push(`        ${c.reason}`);
  return out;
}

function showValue(value: ShownValue): string {
  if (value.kind === "variable") return `value: ${value.value}`;
  return Object.entries(value.fields)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

/** Per source, how long a change takes to reach a task, then its parts (docs/concepts/time-to-effective.md). */
function renderTimeToEffective(list: readonly TimeToEffective[]): string[] {
  if (list.length === 0) return [];
  const out = ["  time to effective (a change in a source until a task sees it):"];
  for (const t of list) {
    for (const path of t.paths) {
      out.push(`    ${t.source}, ${path.changes.join("/")}: ${path.total}`);
      for (const p of path.parts)
        out.push(`        ${p.part.padEnd(22)} ${p.maxMs === undefined ? "" : `≤ ${formatMs(p.maxMs)}  `}${p.detail}`);
    }
  }
  return out;
}
