import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing";
import { SENTINELS, SyncProject } from "./syncProjectFixture.ts";

describe("afsync report (real binary, example project)", () => {
  const project = new SyncProject();
  const outputs: string[] = [];
  before(() => {
    assert.equal(project.run("sync", "--deployment", "dev").code, 0);
  });
  after(() => {
    assertNoSecretLeak(outputs, Object.values(SENTINELS));
    project.cleanup();
  });

  it("writes one self-contained HTML file with the matrix, time to effective and coverage, and nothing else", () => {
    const before = project.read("astro-project/airflow_settings.yaml");
    const result = project.run("report", "--html", "report.html");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /wrote report\.html \(\d+ key\(s\) × 2 Deployment\(s\)\)/);
    const html = readFileSync(join(project.dir, "report.html"), "utf8");
    outputs.push(html, result.stdout, result.stderr);
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes('<table id="matrix"'));
    assert.ok(html.includes('<tr data-key="conn:warehouse_db">'));
    assert.ok(html.includes('data-status="unchanged"'), "dev was synced: its keys are unchanged");
    assert.ok(html.includes('data-status="create"'), "dev-env never was: a sync would create them");
    assert.ok(/file saved \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/.test(html), "versions in human form, not mtime:<ms>");
    assert.ok(html.includes('id="key-conn_3a_warehouse_5f_db"'), "every key has its anchor for a stable link");
    assert.ok(html.includes("Event coverage") && html.includes("Time to effective"));
    // Self-contained: nothing fetched from anywhere (no src/href to another file or host).
    assert.ok(!/<script[^>]+src=|<link |https?:\/\//.test(html), "nothing is fetched from elsewhere");
    assert.equal(project.read("astro-project/airflow_settings.yaml"), before, "a report writes no target");
  });

  it("prints the same view as JSON, value-free, with the cells per key and Deployment", () => {
    const result = project.run("report", "--json");
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const view = JSON.parse(result.stdout);
    assert.deepEqual(
      view.deployments.map((d: { id: string; layer: string }) => [d.id, d.layer]),
      [
        ["dev", "metadata-db"],
        ["dev-env", "environment-variables"],
      ],
    );
    const cell = view.cells.find((c: { key: string; deployment: string }) => c.key === "conn:warehouse_db" && c.deployment === "dev");
    assert.equal(cell.action, "unchanged");
    assert.equal(cell.layer, "metadata-db");
    assert.equal(cell.source, "team-files");
    assert.match(cell.versionText, /^file saved /);
    assert.equal(view.coverage[0].provider, "local");
  });

  it("prints the event coverage per source with --coverage", () => {
    const text = project.run("report", "--coverage");
    outputs.push(text.stdout);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /team-files \(local\)\n\s+announced by:\s+file watch/);
    const json = JSON.parse(project.run("report", "--coverage", "--json").stdout);
    assert.deepEqual(json.coverage[0].announced, ["create", "new value", "delete"]);
  });

  it("says what is wrong and where with a usage error", () => {
    const result = project.run("report", "extra");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unexpected argument 'extra'/);
  });
});
