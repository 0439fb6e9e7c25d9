import assert from "node:assert/strict";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing";
import { actionsOf, CONFIG, SENTINELS, SyncProject } from "./syncProjectFixture.ts";

// Issue 8, findings 1, 2 and 9 (targets): keys a target cannot hold, and reports that tell the truth.
const HOSTILE_VARIABLES = `"x\\nAIRFLOW__CORE__LOAD_EXAMPLES": "True"
"cr\\rkey": v
with-dash: a
dotted.id: b
"Colon:id": c
"sp ace": d
"eq=key": x
MixedCase: e
mixedcase: f
"üml": g
plain_key: h
`;

describe("afsync sync with keys a target cannot hold (real binary)", () => {
  const project = new SyncProject();
  after(() => {
    assertNoSecretLeak(project.outputs, Object.values(SENTINELS));
    project.cleanup();
  });

  it("refuses them as invalid or conflict naming the rule, applies the rest, exits 1, and a second sync writes nothing", () => {
    project.write("secrets/variables.yaml", HOSTILE_VARIABLES);
    const { code, report } = project.json("sync");
    assert.equal(code, 1);
    const env = actionsOf(report, "dev-env");
    assert.equal(env["var:x\nAIRFLOW__CORE__LOAD_EXAMPLES"], "invalid");
    assert.equal(env["var:cr\rkey"], "invalid");
    for (const key of ["var:Colon:id", "var:sp ace", "var:eq=key", "var:üml"]) assert.equal(env[key], "invalid", key);
    assert.equal(env["var:MixedCase"], "conflict");
    assert.equal(env["var:mixedcase"], "conflict");
    for (const key of ["var:with-dash", "var:dotted.id", "var:plain_key", "conn:warehouse_db"]) assert.equal(env[key], "create", key);
    const reasons = report.deployments.find((d) => d.id === "dev-env")?.changes.filter((c) => c.action !== "create") ?? [];
    for (const c of reasons)
      assert.ok(c.reason?.includes(c.key.includes("\n") || c.key.includes("\r") ? JSON.stringify(c.key) : c.key), c.key);

    const dotenv = project.read("astro-project/.env");
    assert.equal(dotenv.match(/^AIRFLOW__CORE__LOAD_EXAMPLES=/gm)?.length, 1, "no injected setting");
    assert.doesNotMatch(dotenv, /SP ACE|EQ=KEY|COLON|ÜML|MIXEDCASE/);
    assert.match(dotenv, /^AIRFLOW_VAR_WITH-DASH='a'$/m);
    // The settings YAML holds any key but one with a control character.
    const settings = actionsOf(report, "dev");
    assert.equal(settings["var:x\nAIRFLOW__CORE__LOAD_EXAMPLES"], "invalid");
    assert.equal(settings["var:sp ace"], "create");

    const files = () => [project.read("astro-project/.env"), project.read("astro-project/airflow_settings.yaml")];
    const before = files();
    for (let round = 0; round < 2; round++) {
      const again = project.json("sync");
      assert.equal(again.code, 1, "still refused");
      assert.equal(again.report.summary.writes, 0, "a second sync writes nothing");
      assert.deepEqual(files(), before, ".env does not grow");
    }
  });

  it("renders a refused key with a line break on one escaped line", () => {
    const { stdout } = project.run("plan");
    assert.match(stdout, /"var:x\\nAIRFLOW__CORE__LOAD_EXAMPLES"/);
    assert.doesNotMatch(stdout, /^AIRFLOW__CORE__LOAD_EXAMPLES/m);
  });
});

describe("afsync sync into a target that cannot be written (real binary)", () => {
  it("reports a read-only file as an error and leaves it and its mode alone", () => {
    const project = new SyncProject();
    try {
      const path = join(project.dir, "astro-project/.env");
      chmodSync(path, 0o444);
      const { code, report } = project.json("sync");
      assert.equal(code, 1);
      const dev = report.deployments.find((d) => d.id === "dev-env");
      assert.equal(dev?.status, "failed");
      assert.match(dev?.error ?? "", /read-only \(mode 0444\)/);
      assert.equal(project.read("astro-project/.env"), "AIRFLOW__CORE__LOAD_EXAMPLES=False\n");
      assert.equal(statSync(path).mode & 0o777, 0o444);
      assert.equal(report.summary.writes, 1, "only the other Deployment's write is counted");
    } finally {
      project.cleanup();
    }
  });

  it("refuses a target in a missing directory unless create_dirs is set, and counts no write that did not happen", () => {
    const project = new SyncProject();
    try {
      project.write("afsync.yaml", CONFIG.replace("path: astro-project/.env }", "path: astro-projekt/.env }"));
      const missing = project.json("sync");
      assert.equal(missing.code, 1);
      const dev = missing.report.deployments.find((d) => d.id === "dev-env");
      assert.equal(dev?.status, "failed");
      assert.match(dev?.error ?? "", /astro-projekt does not exist; .*create_dirs: true/);
      assert.equal(missing.report.summary.writes, 1);
      assert.equal(missing.report.summary.create, 4, "only the other Deployment's creates");

      // A directory that cannot be made (a file is in the way): the write fails and is not counted.
      writeFileSync(join(project.dir, "blocker"), "");
      project.write("afsync.yaml", CONFIG.replace("path: astro-project/.env }", "path: blocker/sub/.env, create_dirs: true }"));
      const blocked = project.json("sync");
      assert.equal(blocked.code, 1);
      const failed = blocked.report.deployments.find((d) => d.id === "dev-env");
      assert.equal(failed?.status, "failed");
      assert.equal(failed?.writes, 0);
      assert.equal(blocked.report.summary.create, 0, "the other Deployment is already in step; the failed creates are not counted");
      assert.equal(blocked.report.summary.writes, 0);

      project.write("afsync.yaml", CONFIG.replace("path: astro-project/.env }", "path: new-dir/.env, create_dirs: true }"));
      const created = project.json("sync");
      assert.equal(created.code, 0);
      assert.equal(statSync(join(project.dir, "new-dir/.env")).mode & 0o777, 0o600, "a new file is 0600");
    } finally {
      project.cleanup();
    }
  });
});
