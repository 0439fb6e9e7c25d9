import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing";
import { actionsOf, connectionsYaml, ENV, SENTINELS, SETTINGS, SyncProject } from "./syncProjectFixture.ts";

describe("afsync plan (real binary, example project)", () => {
  const project = new SyncProject();
  after(() => {
    assertNoSecretLeak(project.outputs, Object.values(SENTINELS));
    project.cleanup();
  });

  it("lists every key's action per Deployment and writes nothing anywhere", () => {
    const human = project.run("plan");
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Deployment dev → airflow-settings .*airflow_settings\.yaml/);
    assert.match(human.stdout, /\+ create +conn:warehouse_db +from team-files/);
    assert.match(human.stdout, /password: \(unset\) → \*\*\*/);
    assert.match(human.stdout, /Plan: 8 to create, 0 to update, .* Nothing was written\./);
    assert.equal(existsSync(join(project.dir, ".afsync")), false, "plan must not create the state");
    assert.equal(project.read("astro-project/airflow_settings.yaml"), SETTINGS);
    assert.equal(project.read("astro-project/.env"), ENV);
  });

  it("prints the JSON report shape", () => {
    const { code, report } = project.json("plan");
    assert.equal(code, 0);
    assert.equal(report.mode, "plan");
    assert.deepEqual(
      report.deployments.map((d) => d.id),
      ["dev", "dev-env"],
    );
    const dev = report.deployments[0];
    assert.match(dev?.target ?? "", /^airflow-settings /);
    assert.deepEqual(actionsOf(report, "dev"), {
      "conn:api_http": "create",
      "conn:warehouse_db": "create",
      "var:api_secret": "create",
      "var:environment": "create",
    });
    for (const change of dev?.changes ?? []) assert.equal(change.source, "team-files");
    assert.deepEqual(Object.keys(report.summary).sort(), [
      "conflict",
      "create",
      "delete",
      "deployments",
      "failed",
      "invalid",
      "orphaned",
      "reads",
      "shadowed",
      "unchanged",
      "update",
      "writes",
    ]);
    assert.equal(report.summary.create, 8);
    assert.equal(report.summary.writes, 0);
  });

  it("narrows to one Deployment and exits 1 on an invalid value, naming it without the value", () => {
    project.write("secrets/connections.yaml", `${connectionsYaml()}broken: "mysql://u:${SENTINELS.broken}@host:notaport/x"\n`);
    const { code, report } = project.json("plan", "--deployment", "dev-env");
    assert.equal(code, 1);
    assert.deepEqual(
      report.deployments.map((d) => d.id),
      ["dev-env"],
    );
    const broken = report.deployments[0]?.changes.find((c) => c.key === "conn:broken");
    assert.equal(broken?.action, "invalid");
    assert.match(broken?.reason ?? "", /[Pp]ort/);
    assert.equal(existsSync(join(project.dir, ".afsync")), false);
  });

  it("exits 1, as sync does, when a Deployment cannot be planned because its source is missing or malformed", () => {
    const breakages: [string, () => void][] = [
      ["missing", () => rmSync(join(project.dir, "secrets/connections.yaml"))],
      ["malformed", () => project.write("secrets/connections.yaml", "warehouse_db: [unclosed\n")],
    ];
    for (const [what, breakSource] of breakages) {
      breakSource();
      const { code, report } = project.json("plan");
      assert.equal(code, 1, `a ${what} source must fail the CI gate`);
      assert.ok(
        report.deployments.every((d) => d.status === "failed"),
        what,
      );
      const human = project.run("plan");
      assert.equal(human.code, 1, what);
      assert.match(human.stderr, /Deployment dev could not be planned: .*connections\.yaml/, what);
    }
    project.write("secrets/connections.yaml", connectionsYaml());
    assert.equal(project.run("plan").code, 0, "and exits 0 again once the source is fixed");
  });

  it("answers a usage error with exit 2", () => {
    const result = project.run("plan", "--frobnicate");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /afsync plan: .*frobnicate/);
  });
});
