import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertNoSecretLeak } from "@afsync/testing";
import { CONFIG, SENTINELS, SyncProject } from "./syncProjectFixture.ts";

describe("afsync explain (real binary, example project)", () => {
  const project = new SyncProject();
  const masked: string[] = [];
  before(() => {
    // A second source below the team files holds the same connection with another password.
    project.write("secrets/override.yaml", "warehouse_db: postgres://etl:other-Pw-12345@warehouse.internal:5432/analytics\n");
    project.write(
      "afsync.yaml",
      CONFIG.replace(
        "deployments:",
        "  fallback:\n    type: local\n    connections_file_path: secrets/override.yaml\ndeployments:",
      ).replace("sources: [team-files]\n    deletion: retain", "sources: [team-files, fallback]\n    deletion: retain"),
    );
    assert.equal(project.run("sync", "--deployment", "dev").code, 0);
  });
  after(() => {
    assertNoSecretLeak(masked, [...Object.values(SENTINELS), "other-Pw-12345"]);
    project.cleanup();
  });

  it("shows every source, the target's hash, ownership, the winner and why", () => {
    const result = project.run("explain", "conn:warehouse_db", "--deployment", "dev", "--json");
    masked.push(result.stdout, result.stderr);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    const dev = report.deployments[0];
    assert.equal(report.key, "conn:warehouse_db");
    assert.deepEqual(
      dev.sources.map((s: { source: string; status: string; sameAsWinner?: boolean }) => [s.source, s.status, s.sameAsWinner]),
      [
        ["team-files", "found", true],
        ["fallback", "found", false],
      ],
    );
    assert.equal(dev.sources[0].value.fields.password, "***");
    assert.equal(dev.sources[0].value.fields.host, "warehouse.internal");
    assert.equal(dev.winner.source, "team-files");
    assert.match(dev.why, /team-files is the first listed source/);
    assert.equal(dev.targetLayer.status, "found");
    assert.equal(dev.targetLayer.hash, dev.winner.hash);
    assert.equal(dev.owned.hash, dev.winner.hash);
    assert.equal(dev.action, "unchanged");
    // Time to effective per source: local files announce by file watch; airflow_settings.yaml waits for a restart.
    const effect = dev.timeToEffective.find((t: { source: string }) => t.source === "team-files");
    assert.equal(effect.layer, "metadata-db");
    assert.deepEqual(
      effect.paths[0].parts.map((p: { part: string }) => p.part),
      ["event delivery", "afsync", "target", "airflow secrets cache"],
    );
    assert.equal(effect.paths[0].parts[2].bound, "restart");
  });

  it("prints a masked human explanation for a variable, with hash prefixes only", () => {
    const result = project.run("explain", "var:api_secret");
    masked.push(result.stdout, result.stderr);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Deployment dev → airflow-settings/);
    assert.match(result.stdout, /Deployment dev-env → env-file/);
    assert.match(result.stdout, /value: \*\*\*/);
    assert.match(result.stdout, /afsync owns it: wrote [0-9a-f]{12}/);
    assert.match(result.stdout, /afsync does not own it here/, "dev-env was never synced");
    assert.match(result.stdout, /next sync: create/);
    assert.match(result.stdout, /time to effective .*\n\s+team-files, create\/new value\/delete: seconds \+ an Airflow restart/);
    assert.match(result.stdout, /airflow secrets cache\s+≤ 15m\s+only when \[secrets\] use_cache = True/);
  });

  it("shows real values only with --show-secrets", () => {
    const result = project.run("explain", "conn:warehouse_db", "--deployment", "dev", "--show-secrets");
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`password=${SENTINELS.warehouse}`));
  });

  it("rejects a key that is not conn:/var: with exit 2", () => {
    const result = project.run("explain", "warehouse_db");
    masked.push(result.stdout, result.stderr);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /not a key: write conn:<conn_id> or var:<key>/);
  });
});
