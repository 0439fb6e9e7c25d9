import { formatMs, type TimeToEffective } from "@afsync/core/engine/timeToEffective";
import type { PrecedenceLayer } from "@afsync/core/ports/DeploymentTarget";
import { html } from "htm/preact";
import type { VNode } from "preact";
import { render } from "preact-render-to-string";
import type { DashboardCell, DashboardDeployment, DashboardView } from "./DashboardView.ts";
import { DASHBOARD_SCRIPT } from "./dashboardScript.ts";
import { DASHBOARD_STYLE } from "./dashboardStyle.ts";

/** What the page is about: the whole matrix, or one key's or one Deployment's stable URL. */
export type DashboardFocus =
  | { readonly kind: "all" }
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "deployment"; readonly id: string };

/** Where the served dashboard serves its script (a file, so the page's CSP allows no inline script). */
export const DASHBOARD_SCRIPT_PATH = "/dashboard.js";

/**
 * The dashboard as one HTML document. Preact renders it server-side (no client framework), and
 * escapes every text and attribute, so ids and reasons from user files cannot inject markup.
 * `live`: links are the stable URLs `/keys/<key>` and `/deployments/<id>`, and the script is
 * served from DASHBOARD_SCRIPT_PATH; `static` (a report file): links are anchors, every detail
 * section is in the file (shown by `:target`), and style and script are inline so it opens offline.
 */
export function renderDashboard(view: DashboardView, focus: DashboardFocus = { kind: "all" }): string {
  const links = view.mode === "live" ? LIVE_LINKS : STATIC_LINKS;
  const page = html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <title>${titleOf(view, focus)}</title>
      <style dangerouslySetInnerHTML=${{ __html: DASHBOARD_STYLE }}></style>
    </head>
    <body data-mode=${view.mode} data-revision=${String(view.revision)}>
      <a class="skip" href="#matrix">Skip to the matrix</a>
      <header>
        <h1>${view.title}${focus.kind === "all" ? "" : focus.kind === "key" ? ` — key ${focus.key}` : ` — Deployment ${focus.id}`}</h1>
        <p>Config <code>${view.configPath}</code> · ${view.summary.join(" · ")}</p>
        ${focus.kind === "all" ? null : html`<p><a href=${links.home}>← the whole matrix</a></p>`}
        <p id="updated" role="status" class="muted">Generated ${shortTime(view.generatedAt)}${view.mode === "live" ? "; updates itself" : ""}.</p>
      </header>
      ${filters(view)}
      <main id="live">
        ${focus.kind === "key" && view.mode === "live" ? keyDetail(view, focus.key, links) : null}
        ${focus.kind === "deployment" && view.mode === "live" ? deploymentDetail(view, focus.id, links) : null}
        ${problems(view, links)} ${matrix(view, focus, links)} ${effectTable(view, links)} ${coverageTable(view)} ${feeds(view)}
        ${runs(view)}
        ${
          view.mode === "static"
            ? html`<div class="details">
              ${view.keys.map((k) => keyDetail(view, k, links))} ${view.deployments.map((d) => deploymentDetail(view, d.id, links))}
            </div>`
            : null
        }
      </main>
      ${
        view.mode === "live"
          ? html`<script src=${DASHBOARD_SCRIPT_PATH}></script>`
          : html`<script dangerouslySetInnerHTML=${{ __html: DASHBOARD_SCRIPT }}></script>`
      }
    </body>
  </html>`;
  return `<!doctype html>\n${render(page as VNode)}\n`;
}

interface Links {
  readonly home: string;
  key(key: string): string;
  deployment(id: string): string;
}

const LIVE_LINKS: Links = {
  home: "/",
  key: (key) => `/keys/${encodeURIComponent(key)}`,
  deployment: (id) => `/deployments/${encodeURIComponent(id)}`,
};

const STATIC_LINKS: Links = {
  home: "#matrix",
  key: (key) => `#${anchorId("key", key)}`,
  deployment: (id) => `#${anchorId("deployment", id)}`,
};

/** An element id any key or Deployment id maps to one-to-one: `[A-Za-z0-9-]` kept, anything else `_<hex>_`. */
export function anchorId(kind: "key" | "deployment", name: string): string {
  return `${kind}-${[...name].map((c) => (/[A-Za-z0-9-]/.test(c) ? c : `_${(c.codePointAt(0) ?? 0).toString(16)}_`)).join("")}`;
}

function titleOf(view: DashboardView, focus: DashboardFocus): string {
  if (focus.kind === "key") return `${focus.key} — ${view.title}`;
  if (focus.kind === "deployment") return `${focus.id} — ${view.title}`;
  return view.title;
}

export const LAYER_NAMES: Readonly<Record<PrecedenceLayer, string>> = {
  "secrets-backend": "secrets backend",
  "environment-manager": "Environment Manager",
  "environment-variables": "environment variables",
  "metadata-db": "metadata database",
};

const STATUS_CHOICES = ["problem", "create", "update", "delete", "unchanged", "shadowed", "conflict", "orphaned", "invalid"];

function filters(view: DashboardView) {
  const sources = [...new Set(view.deployments.flatMap((d) => d.sources))].sort();
  return html`<form id="filters" role="search" aria-label="Filter the matrix">
    <label>Deployment <select name="deployment"><option value="">all</option>${view.deployments.map((d) => html`<option value=${d.id}>${d.id}</option>`)}</select></label>
    <label>Source <select name="source"><option value="">all</option>${sources.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
    <label>Status <select name="status"><option value="">all</option>${STATUS_CHOICES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
    <label>Key contains <input type="search" name="q" autocomplete="off" /></label>
    <output id="shown" class="muted">${view.keys.length} key(s)</output>
    <noscript><p>Filters need JavaScript; every key is shown.</p></noscript>
  </form>`;
}

function problems(view: DashboardView, links: Links) {
  return html`<section aria-labelledby="problems-title">
    <h2 id="problems-title">Problems (${view.problems.length})</h2>
    ${
      view.problems.length === 0
        ? html`<p class="ok">None.</p>`
        : html`<ul class="problems">
          ${view.problems.map(
            (p) => html`<li data-key=${p.key ?? ""} data-deployment-ref=${p.deployment ?? ""}>
              ${p.deployment === undefined ? null : html`<a href=${links.deployment(p.deployment)}>${p.deployment}</a>`}
              ${p.deployment !== undefined && p.key !== undefined ? " " : null}
              ${p.key === undefined ? null : html`<a href=${links.key(p.key)}><code>${p.key}</code></a>`}
              ${p.deployment === undefined && p.key === undefined ? "" : ": "}${p.message}
              <br /><span class="remedy">What to do: ${p.remedy}</span>
            </li>`,
          )}
        </ul>`
    }
  </section>`;
}

function matrix(view: DashboardView, focus: DashboardFocus, links: Links) {
  const keys = focus.kind === "key" && view.mode === "live" ? view.keys.filter((k) => k === focus.key) : view.keys;
  const deployments =
    focus.kind === "deployment" && view.mode === "live" ? view.deployments.filter((d) => d.id === focus.id) : view.deployments;
  const byCell = new Map(view.cells.map((c) => [`${c.deployment}\u0000${c.key}`, c]));
  return html`<section aria-labelledby="matrix-title">
    <h2 id="matrix-title">Keys × Deployments</h2>
    <p class="muted">Each cell: what afsync did or would do, the layer Airflow reads the key from, the winning source and its version, copies it shadows (same or different value, by keyed hash), and when serve saw and applied the change. Never a value.</p>
    <div class="scroll">
      <table id="matrix" tabindex="-1">
        <thead>
          <tr>
            <th scope="col">Key</th>
            ${deployments.map(
              (d) => html`<th scope="col" data-deployment=${d.id}>
                <a href=${links.deployment(d.id)}>${d.id}</a><br /><span class="muted">${d.layer === undefined ? d.target : LAYER_NAMES[d.layer]}</span>
                <br /><span class=${`status s-${d.status}`}>${d.status}</span>
              </th>`,
            )}
          </tr>
        </thead>
        <tbody>
          ${keys.length === 0 ? html`<tr><td colspan=${deployments.length + 1}>No keys yet.</td></tr>` : null}
          ${keys.map(
            (k) => html`<tr data-key=${k}>
              <th scope="row"><a href=${links.key(k)}><code>${k}</code></a></th>
              ${deployments.map((d) => cell(byCell.get(`${d.id}\u0000${k}`), d, links))}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function cell(c: DashboardCell | undefined, d: DashboardDeployment, links: Links) {
  if (c === undefined)
    return html`<td data-deployment=${d.id} data-source="" data-status="" class="empty"><span class="muted">not in this Deployment</span></td>`;
  return html`<td data-deployment=${d.id} data-source=${c.source ?? ""} data-status=${c.action} data-problem=${c.problem === undefined ? "0" : "1"}>
    <span class=${`action a-${c.action}`}>${c.action}${c.write === undefined ? "" : ` (${c.write})`}</span>
    ${c.layer === undefined ? null : html`<span class="layer">read from ${LAYER_NAMES[c.layer]}</span>`}
    <span class="src">${c.source ?? "no source"}${c.versionText === undefined ? "" : `, ${c.versionText}`}</span>
    ${c.shadowed.length === 0 ? null : html`<span class="shadow">${shadowText(c)}</span>`}
    ${c.appliedAt === undefined ? null : html`<span class="when">applied ${shortTime(c.appliedAt)}${c.lagMs === undefined ? "" : `, ${formatLag(c.lagMs)} after seen`}</span>`}
    ${c.problem === undefined ? null : html`<span class="problem">${c.problem.message}</span>`}
    <a class="more" href=${links.key(c.key)} aria-label=${`${c.key} in ${d.id}: details`}>details</a>
  </td>`;
}

function shadowText(c: DashboardCell): string {
  return c.shadowed.map((s) => `${s.source}: ${s.same ? "same value" : "different value"}`).join("; ");
}

function keyDetail(view: DashboardView, key: string, links: Links) {
  const cells = view.cells.filter((c) => c.key === key);
  // A report is a plan: when a key was seen and applied is serve's to know (or `afsync history`'s).
  const unknownTime = view.mode === "live" ? "not since serve started" : "not in a plan (see afsync history)";
  return html`<section class="detail" id=${anchorId("key", key)} aria-labelledby=${`${anchorId("key", key)}-title`}>
    <h2 id=${`${anchorId("key", key)}-title`}>Key <code>${key}</code></h2>
    ${cells.length === 0 ? html`<p>No Deployment holds this key.</p>` : null}
    ${cells.map((c) => {
      const d = view.deployments.find((x) => x.id === c.deployment);
      const effect = d?.timeToEffective.find((t) => t.source === c.source);
      return html`<article id=${`${anchorId("key", key)}-${anchorId("deployment", c.deployment)}`}>
        <h3>In <a href=${links.deployment(c.deployment)}>${c.deployment}</a></h3>
        <dl>
          <dt>Action</dt><dd><span class=${`action a-${c.action}`}>${c.action}</span>${c.write === undefined ? "" : ` (still written: ${c.write})`}</dd>
          <dt>Airflow reads it from</dt><dd>${c.layer === undefined ? "no layer (deleted)" : LAYER_NAMES[c.layer]}</dd>
          <dt>Winning source</dt><dd>${c.source ?? "none"}${c.versionText === undefined ? "" : `, ${c.versionText}`}${c.version === undefined ? "" : html` <span class="muted">(<code>${c.version}</code>)</span>`}</dd>
          <dt>Keyed hash</dt><dd>${c.hash === undefined ? "—" : html`<code>${c.hash}</code>`}</dd>
          <dt>Shadowed copies</dt><dd>${c.shadowed.length === 0 ? "none" : shadowText(c)}</dd>
          <dt>Seen</dt><dd>${c.seenAt === undefined ? unknownTime : shortTime(c.seenAt)}</dd>
          <dt>Applied</dt><dd>${c.appliedAt === undefined ? unknownTime : shortTime(c.appliedAt)}${c.lagMs === undefined ? "" : ` (lag ${formatLag(c.lagMs)})`}</dd>
          <dt>Problem</dt><dd>${c.problem === undefined ? "none" : html`${c.problem.message}<br /><span class="remedy">What to do: ${c.problem.remedy}</span>`}</dd>
          <dt>Time to effective</dt><dd>${effect === undefined ? "—" : effectPaths(effect)}</dd>
        </dl>
      </article>`;
    })}
  </section>`;
}

function deploymentDetail(view: DashboardView, id: string, links: Links) {
  const d = view.deployments.find((x) => x.id === id);
  const sid = anchorId("deployment", id);
  if (d === undefined)
    return html`<section class="detail" id=${sid}><h2>Deployment ${id}</h2><p>No such Deployment in this config.</p></section>`;
  const cells = view.cells.filter((c) => c.deployment === id);
  return html`<section class="detail" id=${sid} aria-labelledby=${`${sid}-title`}>
    <h2 id=${`${sid}-title`}>Deployment ${d.id}</h2>
    <dl>
      <dt>Target</dt><dd><code>${d.target}</code>${d.layer === undefined ? "" : ` (${LAYER_NAMES[d.layer]})`}</dd>
      <dt>Sources, first wins</dt><dd>${d.sources.join(", ") || "—"}</dd>
      ${d.secretsBackend === undefined ? null : html`<dt>Secrets backend above it</dt><dd>${d.secretsBackend}</dd>`}
      <dt>Status</dt><dd><span class=${`status s-${d.status}`}>${d.status}</span>${d.error === undefined ? "" : `: ${d.error}`}</dd>
      <dt>Last run</dt><dd>${d.lastRunAt === undefined ? "never" : shortTime(d.lastRunAt)}</dd>
      <dt>Keys</dt><dd>${cells.length}: ${cells.map((c, i) => html`${i === 0 ? "" : ", "}<a href=${links.key(c.key)}><code>${c.key}</code></a> <span class=${`action a-${c.action}`}>${c.action}</span>`)}</dd>
    </dl>
    <h3>Time to effective</h3>
    ${d.timeToEffective.length === 0 ? html`<p>Unknown for this target.</p>` : d.timeToEffective.map((t) => html`<p><strong>${t.source}</strong></p>${effectPaths(t)}`)}
  </section>`;
}

function effectPaths(t: TimeToEffective) {
  return html`<ul class="effect">
    ${t.paths.map(
      (p) => html`<li>
        <strong>${p.changes.join(", ")}</strong>: ${p.total}
        <ul>
          ${p.parts.map((part) => html`<li>${part.part}${part.maxMs === undefined ? "" : ` (≤ ${formatMs(part.maxMs)})`}: ${part.detail}</li>`)}
        </ul>
      </li>`,
    )}
  </ul>`;
}

function effectTable(view: DashboardView, links: Links) {
  const rows = view.deployments.flatMap((d) => d.timeToEffective.flatMap((t) => t.paths.map((p) => ({ d, t, p }))));
  return html`<section aria-labelledby="effect-title">
    <h2 id="effect-title">Time to effective</h2>
    <p class="muted">From a change in a source until a task sees it: how afsync learns of it, its own run, the target's delay, and Airflow's secrets cache when <code>[secrets] use_cache</code> is on.</p>
    <div class="scroll"><table>
      <thead><tr><th scope="col">Deployment</th><th scope="col">Source</th><th scope="col">Changes</th><th scope="col">Total</th><th scope="col">Parts</th></tr></thead>
      <tbody>
        ${rows.map(
          ({ d, t, p }) => html`<tr data-effect-deployment=${d.id} data-effect-source=${t.source}>
            <td><a href=${links.deployment(d.id)}>${d.id}</a></td><td>${t.source}</td><td>${p.changes.join(", ")}</td><td>${p.total}</td>
            <td>${p.parts.map((part, i) => html`${i === 0 ? "" : " → "}<span title=${part.detail}>${part.part}${part.maxMs === undefined ? "" : ` ≤ ${formatMs(part.maxMs)}`}${part.bound === "restart" ? " (restart)" : ""}</span>`)}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}

function coverageTable(view: DashboardView) {
  return html`<section aria-labelledby="coverage-title">
    <h2 id="coverage-title">Event coverage</h2>
    <p class="muted">Which changes each source's provider announces, and which only the scheduled reconciliation finds (within its interval).</p>
    <div class="scroll"><table>
      <thead><tr><th scope="col">Source</th><th scope="col">Provider</th><th scope="col">Announced by</th><th scope="col">Announced</th><th scope="col">Reconciliation only</th><th scope="col">Note</th></tr></thead>
      <tbody>
        ${view.coverage.map(
          (c) => html`<tr data-coverage-source=${c.source}>
            <td>${c.source}</td><td>${c.provider}</td><td>${c.transport}</td><td>${c.announced.join(", ") || "nothing"}</td>
            <td>${c.reconciliationOnly.length === 0 ? "nothing" : `${c.reconciliationOnly.join(", ")} (within ${formatMs(c.reconcileEveryMs)})`}</td>
            <td>${c.note ?? ""}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}

function feeds(view: DashboardView) {
  if (view.eventFeeds.length === 0) return null;
  return html`<section aria-labelledby="feeds-title">
    <h2 id="feeds-title">Change events</h2>
    <table>
      <thead><tr><th scope="col">Source</th><th scope="col">Events</th><th scope="col">Why</th><th scope="col">Since</th></tr></thead>
      <tbody>${view.eventFeeds.map((f) => html`<tr><td>${f.source}</td><td class=${`status s-${f.state}`}>${f.state}</td><td>${f.detail}</td><td>${shortTime(f.since)}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

function runs(view: DashboardView) {
  if (view.mode === "static") return null;
  return html`<section aria-labelledby="runs-title">
    <h2 id="runs-title">Recent runs</h2>
    ${
      view.runs.length === 0
        ? html`<p>No run yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">#</th><th scope="col">Started</th><th scope="col">Trigger</th><th scope="col">Took</th><th scope="col">Outcome</th></tr></thead>
          <tbody>${view.runs.map((r) => html`<tr><td>${r.id}</td><td>${shortTime(r.startedAt)}</td><td>${r.trigger}</td><td>${r.durationMs} ms</td><td>${r.outcome}</td></tr>`)}</tbody>
        </table>`
    }
  </section>`;
}

function shortTime(iso: string): string {
  return `${iso.slice(0, 19).replace("T", " ")} UTC`;
}

function formatLag(ms: number): string {
  return ms < 1000 ? `${ms} ms` : formatMs(ms);
}
