import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing";
import { actionsOf, CONFIG, connectionsYaml, SENTINELS, SyncProject, VARIABLES } from "./syncProjectFixture.ts";

describe("afsync sync (real binary, example project)", () => {
  const project = new SyncProject();
  after(() => {
    assertNoSecretLeak(project.outputs, Object.values(SENTINELS));
    project.cleanup();
  });

  it("applies every key to both targets, keeps what it does not own, and records state", () => {
    const { code, report } = project.json("sync");
    assert.equal(code, 0);
    assert.equal(report.summary.create, 8);
    assert.equal(report.summary.writes, 2, "one write per Deployment");
    const settings = project.read("astro-project/airflow_settings.yaml");
    assert.match(settings, /conn_id: warehouse_db/);
    assert.match(settings, new RegExp(SENTINELS.warehouse));
    assert.match(settings, /conn_id: hand_made/, "hand-made connection kept");
    assert.match(settings, /pool_name: etl_pool/, "pools kept");
    const env = project.read("astro-project/.env");
    assert.match(env, /^AIRFLOW__CORE__LOAD_EXAMPLES=False$/m);
    assert.match(env, /^AIRFLOW_CONN_WAREHOUSE_DB=/m);
    assert.match(env, /^AIRFLOW_VAR_ENVIRONMENT=/m);
    assert.equal(statSync(join(project.dir, ".afsync", "state.db")).mode & 0o777, 0o600);
  });

  it("performs zero writes on a second sync with no change", () => {
    const before = [project.read("astro-project/airflow_settings.yaml"), project.read("astro-project/.env")];
    const { code, report } = project.json("sync");
    assert.equal(code, 0);
    assert.equal(report.summary.writes, 0);
    assert.equal(report.summary.unchanged, 8);
    assert.deepEqual([project.read("astro-project/airflow_settings.yaml"), project.read("astro-project/.env")], before);
  });

  it("lets plan read the existing state without changing or adding a file", () => {
    const stateDir = join(project.dir, ".afsync");
    const before = readdirSync(stateDir).map((f) => [f, readFileSync(join(stateDir, f)).toString("base64")]);
    const { code, report } = project.json("plan");
    assert.equal(code, 0);
    assert.equal(report.summary.unchanged, 8, "plan hashes with the stored key, so nothing looks changed");
    assert.deepEqual(
      readdirSync(stateDir).map((f) => [f, readFileSync(join(stateDir, f)).toString("base64")]),
      before,
    );
  });

  it("updates only the key that changed, with a masked diff", () => {
    project.write("secrets/connections.yaml", connectionsYaml(SENTINELS.warehouseRotated));
    const { code, report } = project.json("sync");
    assert.equal(code, 0);
    assert.deepEqual(actionsOf(report, "dev"), {
      "conn:api_http": "unchanged",
      "conn:warehouse_db": "update",
      "var:api_secret": "unchanged",
      "var:environment": "unchanged",
    });
    const change = report.deployments[0]?.changes.find((c) => c.key === "conn:warehouse_db");
    assert.deepEqual(change?.diff, [{ field: "password", before: "***", after: "***" }]);
    assert.match(project.read("astro-project/.env"), new RegExp(SENTINELS.warehouseRotated));
  });

  it("restores a value edited by hand in a target it owns", () => {
    const env = project.read("astro-project/.env");
    project.write("astro-project/.env", env.replace(/^AIRFLOW_VAR_ENVIRONMENT=.*$/m, "AIRFLOW_VAR_ENVIRONMENT=edited-by-hand"));
    const { code, report } = project.json("sync", "--deployment", "dev-env");
    assert.equal(code, 0);
    assert.equal(actionsOf(report, "dev-env")["var:environment"], "update");
    assert.equal(report.summary.writes, 1);
    assert.equal(project.read("astro-project/.env"), env);
  });

  it("leaves a key it does not own untouched and reports a conflict", () => {
    project.write("secrets/variables.yaml", `${VARIABLES}owner_team: someone-else\n`);
    const { code, report } = project.json("sync", "--deployment", "dev");
    assert.equal(code, 0);
    const conflict = report.deployments[0]?.changes.find((c) => c.key === "var:owner_team");
    assert.equal(conflict?.action, "conflict");
    assert.match(project.read("astro-project/airflow_settings.yaml"), /variable_value: data-platform/);
    project.write("secrets/variables.yaml", VARIABLES);
  });

  it("reports an invalid value, exits 1, applies the rest and keeps the last good value", () => {
    project.write(
      "secrets/connections.yaml",
      `${connectionsYaml(SENTINELS.warehouseRotated).replace(/api_http: .*\n/, `api_http: "http://svc:${SENTINELS.broken}@api.example.com:99999/v1"\n`)}`,
    );
    project.write("secrets/variables.yaml", `${VARIABLES}new_flag: "on"\n`);
    const { code, report } = project.json("sync");
    assert.equal(code, 1);
    assert.equal(actionsOf(report, "dev")["conn:api_http"], "invalid");
    assert.equal(actionsOf(report, "dev")["var:new_flag"], "create");
    assert.match(project.read("astro-project/.env"), /^AIRFLOW_VAR_NEW_FLAG=/m);
    assert.match(project.read("astro-project/.env"), new RegExp(SENTINELS.apiToken), "the last good value stays");
  });

  it("fails on a source file with bytes that are not UTF-8, naming the file and byte offset, and keeps the targets", () => {
    const before = { env: project.read("astro-project/.env"), settings: project.read("astro-project/airflow_settings.yaml") };
    const good = Buffer.from(connectionsYaml(SENTINELS.warehouseRotated));
    const at = good.indexOf("warehouse.internal");
    writeFileSync(
      join(project.dir, "secrets/connections.yaml"),
      Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at)]),
    );
    const { code, report } = project.json("sync");
    assert.equal(code, 1);
    for (const d of report.deployments) {
      assert.equal(d.status, "failed", d.id);
      assert.match(d.error ?? "", new RegExp(`connections\\.yaml: not valid UTF-8: .*byte offset ${at} `), d.id);
    }
    assert.equal(project.read("astro-project/.env"), before.env, "nothing pushed, no U+FFFD");
    assert.equal(project.read("astro-project/airflow_settings.yaml"), before.settings);
    project.write("secrets/connections.yaml", connectionsYaml(SENTINELS.warehouseRotated));
  });

  it("deletes a removed key where deletion is delete and reports it orphaned where it is retain", () => {
    project.write("secrets/variables.yaml", "environment: development\n");
    project.write("secrets/connections.yaml", connectionsYaml(SENTINELS.warehouseRotated));
    const human = project.run("sync");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /\? orphaned +var:api_secret/);
    assert.match(human.stdout, /- delete +var:api_secret/);
    assert.doesNotMatch(project.read("astro-project/.env"), /AIRFLOW_VAR_API_SECRET/);
    assert.match(project.read("astro-project/airflow_settings.yaml"), /variable_name: api_secret/);
  });
});

describe("afsync sync failure isolation (real binary)", () => {
  const project = new SyncProject();
  after(() => project.cleanup());

  it("reports a Deployment whose target cannot be read, applies the others and exits 1", () => {
    // The `dev` target path is a directory: reading it fails, as an unreadable target would.
    mkdirSync(join(project.dir, "astro-project", "dir.yaml"));
    project.write("afsync.yaml", CONFIG.replace("path: astro-project/airflow_settings.yaml", "path: astro-project/dir.yaml"));
    const { code, report } = project.json("sync");
    assert.equal(code, 1);
    const byId = Object.fromEntries(report.deployments.map((d) => [d.id, d]));
    assert.equal(byId.dev?.status, "failed");
    assert.ok((byId.dev?.error ?? "").length > 0);
    assert.equal(byId["dev-env"]?.status, "ok");
    assert.match(project.read("astro-project/.env"), /^AIRFLOW_CONN_WAREHOUSE_DB=/m);
    assert.equal(report.summary.failed, 1);
  });
});
