/**
 * The dashboard's only script, plain browser JavaScript (no framework, nothing fetched from
 * elsewhere). It filters the matrix by Deployment, source, status and text, keeping the filter in
 * the URL's query so a filtered view has a link; on a served page it polls `/status.json` for
 * serve's revision and, when it moved, fetches the same URL and swaps `<main>` in place, so the
 * page follows runs without a reload and keeps the filter, the scroll and the focus. Values never
 * reach it: the HTML it fetches is the server's render of the same value-free view.
 */
export const DASHBOARD_SCRIPT = String.raw`(function () {
  "use strict";
  var form = document.getElementById("filters");
  var body = document.body;
  var fields = ["deployment", "source", "status", "q"];
  function value(name) { var el = form.elements.namedItem(name); return el ? String(el.value) : ""; }
  function apply() {
    var dep = value("deployment"), src = value("source"), st = value("status"), q = value("q").trim().toLowerCase();
    document.querySelectorAll("#matrix [data-deployment]").forEach(function (el) {
      el.hidden = dep !== "" && el.getAttribute("data-deployment") !== dep;
    });
    var rows = document.querySelectorAll("#matrix tbody tr[data-key]");
    var shown = 0;
    rows.forEach(function (tr) {
      var key = (tr.getAttribute("data-key") || "").toLowerCase();
      var cells = Array.prototype.filter.call(tr.querySelectorAll("td[data-deployment]"), function (td) { return !td.hidden; });
      var match = cells.some(function (td) {
        var okSource = src === "" || td.getAttribute("data-source") === src;
        var okStatus = st === "" || (st === "problem" ? td.getAttribute("data-problem") === "1" : td.getAttribute("data-status") === st);
        return okSource && okStatus;
      });
      var visible = (q === "" || key.indexOf(q) !== -1) && match;
      tr.hidden = !visible;
      if (visible) shown++;
    });
    document.querySelectorAll("[data-effect-deployment]").forEach(function (tr) {
      tr.hidden = (dep !== "" && tr.getAttribute("data-effect-deployment") !== dep) || (src !== "" && tr.getAttribute("data-effect-source") !== src);
    });
    var out = document.getElementById("shown");
    if (out) out.textContent = shown + " of " + rows.length + " key(s) shown";
    var params = new URLSearchParams();
    fields.forEach(function (name) { var v = value(name); if (v !== "") params.set(name, v); });
    var query = params.toString();
    try { history.replaceState(null, "", location.pathname + (query === "" ? "" : "?" + query) + location.hash); } catch (e) { /* file: URLs may refuse */ }
  }
  if (form) {
    var initial = new URLSearchParams(location.search);
    fields.forEach(function (name) { var el = form.elements.namedItem(name); if (el && initial.has(name)) el.value = initial.get(name); });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    apply();
  }
  if (body.getAttribute("data-mode") !== "live") return;
  var busy = false;
  function refresh() {
    busy = true;
    return fetch(location.pathname + location.search, { cache: "no-store", headers: { accept: "text/html" } })
      .then(function (res) { if (!res.ok) throw new Error("HTTP " + res.status); return res.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("live");
        var current = document.getElementById("live");
        if (!fresh || !current) return;
        var focused = document.activeElement && current.contains(document.activeElement) ? document.activeElement.getAttribute("href") : null;
        current.replaceWith(fresh);
        body.setAttribute("data-revision", doc.body.getAttribute("data-revision") || "");
        var updated = document.getElementById("updated");
        if (updated) updated.textContent = "Updated " + new Date().toISOString() + " without reloading the page.";
        if (focused) { var again = fresh.querySelector('a[href="' + focused.replace(/"/g, '\\"') + '"]'); if (again) again.focus(); }
        if (form) apply();
      })
      .catch(function () { /* serve stopped or restarting: the next poll tries again */ })
      .then(function () { busy = false; });
  }
  setInterval(function () {
    if (busy) return;
    fetch("/status.json", { cache: "no-store" })
      .then(function (res) { return res.json(); })
      .then(function (status) {
        if (String(status.revision) !== body.getAttribute("data-revision")) return refresh();
      })
      .catch(function () { /* try again on the next tick */ });
  }, 1000);
})();
`;
