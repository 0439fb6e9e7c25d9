/**
 * The dashboard's styles, inline in every page and report (nothing fetched). Colours are CSS
 * variables with a dark set under `prefers-color-scheme: dark`; each text colour keeps at least
 * 4.5:1 contrast on its background (WCAG AA, which the axe-core test checks).
 */
export const DASHBOARD_STYLE = `
:root{--bg:#ffffff;--fg:#1a1a1a;--muted:#555555;--line:#c8c8c8;--head:#f2f2f2;--link:#0b57d0;--ok:#1b5e20;--bad:#b00020;--warn:#735600;--focus:#0b57d0}
@media (prefers-color-scheme: dark){:root{--bg:#121212;--fg:#e8e8e8;--muted:#b4b4b4;--line:#444444;--head:#1e1e1e;--link:#8ab4f8;--ok:#81c784;--bad:#ff8a80;--warn:#ffd54f;--focus:#8ab4f8}}
html{background:var(--bg);color:var(--fg)}
body{font-family:system-ui,sans-serif;margin:1.5rem;line-height:1.4;background:var(--bg);color:var(--fg)}
a{color:var(--link)}
a:focus-visible,select:focus-visible,input:focus-visible,table:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.25rem .5rem}
[hidden]{display:none !important}
.muted{color:var(--muted)}
code{font-family:ui-monospace,monospace;font-size:1em}
form#filters{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:end;margin:1rem 0;padding:.75rem;border:1px solid var(--line);background:var(--head)}
form#filters label{display:flex;flex-direction:column;font-size:.9em}
select,input{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--muted);padding:.2rem .3rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;margin-bottom:1rem}
td,th{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--head)}
#matrix td span{display:block}
#matrix td{min-width:12rem}
.action{font-weight:600}
.a-create,.a-update,.a-delete,.ok,.s-ok,.s-live{color:var(--ok)}
.a-invalid,.a-conflict,.s-failed,.problem,.s-reconnecting{color:var(--bad)}
.a-orphaned,.a-shadowed,.s-pending,.s-connecting,.shadow{color:var(--warn)}
.remedy{font-style:italic}
.problems li{margin-bottom:.5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0}
.details .detail:not(:target){display:none}
.detail{border:1px solid var(--line);padding:.5rem 1rem;margin:1rem 0}
`;
