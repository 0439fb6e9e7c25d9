import type { RunRecord, ServeStatus } from "./ServeStatus.ts";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const e = escapeHtml;

/**
 * The server-rendered status page: Deployments, their keys, recent runs and problems. It is
 * built from run reports only (actions, sources, reasons, hash prefixes), so there is no value
 * on it to mask; every string still goes through `escapeHtml`, since ids and reasons come from
 * user files.
 */
export function renderStatusPage(status: ServeStatus, now: Date): string {
  const problems = status.problems();
  const last = status.lastRun;
  const rows: string[] = [];
  rows.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">`);
  rows.push(`<title>afsync serve</title><style>${STYLE}</style></head><body>`);
  rows.push(`<h1>afsync serve</h1>`);
  rows.push(
    `<p>Config <code>${e(status.info.configPath)}</code> · up since ${e(status.startedAt)} · ${status.runCount} run(s) · ` +
      `reconciliation every ${e(formatDuration(status.info.reconcileEveryMs))} · webhook ${status.info.webhook ? "enabled" : "disabled (no secret)"} · ` +
      `page rendered ${e(now.toISOString())}</p>`,
  );
  rows.push(
    last === undefined
      ? `<p><strong>Last run:</strong> none yet.</p>`
      : `<p><strong>Last run:</strong> ${e(last.startedAt)} (${e(last.trigger)}, ${last.durationMs} ms) — ${e(outcomeOf(last))}</p>`,
  );
  if (status.info.watching.length > 0) {
    rows.push(`<p>Watching: ${status.info.watching.map((w) => `<code>${e(w)}</code>`).join(", ")}</p>`);
  }
  if (status.eventFeeds.length > 0) {
    rows.push(`<h2>Change events</h2><table><tr><th>Source</th><th>Events</th><th>Why</th><th>Since</th></tr>`);
    for (const f of status.eventFeeds) {
      rows.push(
        `<tr><td>${e(f.source)}</td><td class="${e(f.state)}">${e(f.state)}</td><td>${e(f.detail)}</td><td>${e(f.since)}</td></tr>`,
      );
    }
    rows.push(`</table>`);
  }
  rows.push(`<h2>Problems (${problems.length})</h2>`);
  if (problems.length === 0) rows.push(`<p class="ok">None.</p>`);
  else {
    rows.push(`<ul class="problems">`);
    for (const p of problems) {
      const where = [p.deployment, p.key].filter((x) => x !== undefined).join(" ");
      rows.push(`<li>${where ? `<strong>${e(where)}</strong>: ` : ""}${e(p.message)}</li>`);
    }
    rows.push(`</ul>`);
  }
  rows.push(`<h2>Deployments</h2><table><tr><th>Deployment</th><th>Target</th><th>Status</th><th>Last run</th><th>Keys</th></tr>`);
  for (const d of status.deploymentStatuses) {
    rows.push(
      `<tr><td>${e(d.id)}</td><td><code>${e(d.target)}</code></td><td class="${e(d.status)}">${e(d.status)}${d.error ? `: ${e(d.error)}` : ""}</td>` +
        `<td>${e(d.lastRunAt ?? "never")}</td><td>${d.keys.size}</td></tr>`,
    );
  }
  rows.push(`</table>`);
  for (const d of status.deploymentStatuses) {
    rows.push(`<h3>${e(d.id)} — keys</h3>`);
    if (d.keys.size === 0) {
      rows.push(`<p>No keys yet.</p>`);
      continue;
    }
    rows.push(`<table><tr><th>Key</th><th>Last action</th><th>Source</th><th>Hash</th><th>Version</th><th>Note</th></tr>`);
    for (const c of [...d.keys.values()].sort((a, b) => a.key.localeCompare(b.key))) {
      const note = c.error ?? c.reason ?? "";
      rows.push(
        `<tr><td><code>${e(c.key)}</code></td><td class="${e(c.action)}">${e(c.action)}</td><td>${e(c.source ?? "—")}</td>` +
          `<td><code>${e(c.hash ?? "")}</code></td><td>${e(c.version ?? "")}</td><td>${e(note)}</td></tr>`,
      );
    }
    rows.push(`</table>`);
  }
  rows.push(`<h2>Recent runs</h2>`);
  if (last === undefined) rows.push(`<p>No run yet.</p>`);
  else {
    rows.push(`<table><tr><th>#</th><th>Started</th><th>Trigger</th><th>Took</th><th>Outcome</th></tr>`);
    for (const r of status.recentRuns) {
      rows.push(
        `<tr><td>${r.id}</td><td>${e(r.startedAt)}</td><td>${e(r.trigger)}</td><td>${r.durationMs} ms</td><td>${e(outcomeOf(r))}</td></tr>`,
      );
    }
    rows.push(`</table>`);
  }
  rows.push(`</body></html>\n`);
  return rows.join("\n");
}

function outcomeOf(r: RunRecord): string {
  if (r.error !== undefined) return `failed: ${r.error}`;
  if (r.summary === undefined) return "";
  const s = r.summary;
  return (
    `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged, ` +
    `${s.invalid} invalid, ${s.conflict} conflicts, ${s.failed} failed Deployment(s), ${s.writes} write(s)`
  );
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

const STYLE =
  "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:1rem}" +
  "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f4f4f4}.failed,.invalid,.conflict{color:#b00020}" +
  ".ok,.live,.create,.update{color:#1b5e20}.orphaned,.shadowed,.pending,.reconnecting,.connecting{color:#8a6d00}code{font-size:.9em}";
