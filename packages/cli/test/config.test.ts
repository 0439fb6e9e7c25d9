import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CONFIG, SyncProject } from "./syncProjectFixture.ts";

describe("afsync.yaml errors through the binary", () => {
  const project = new SyncProject();
  after(() => project.cleanup());

  it("names the bad key's path and suggests the right one", () => {
    project.write("afsync.yaml", CONFIG.replace("{ type: env-file, path:", "{ type: env-file, pth:"));
    const result = project.run("plan");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^afsync plan: \/.*afsync\.yaml: deployments\.dev-env\.target\.pth: unknown key \(did you mean 'path'\?\)/);
    assert.equal(result.stderr.match(/deployments\.dev-env\.target\.pth/g)?.length, 1, "the path is named once");
  });

  it("points at the line of a YAML syntax error", () => {
    project.write("afsync.yaml", "sources:\n  a: [unclosed\n");
    const result = project.run("sync");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /afsync\.yaml:\d+:\d+: not valid YAML/);
  });

  it("refuses a target that is a source file, and two Deployments writing one file, before touching anything", () => {
    const source = project.read("secrets/connections.yaml");
    project.write("afsync.yaml", CONFIG.replace("path: astro-project/.env", "path: ./secrets/../secrets/connections.yaml"));
    const onSource = project.run("sync");
    assert.equal(onSource.code, 1);
    assert.match(
      onSource.stderr,
      /deployments\.dev-env\.target\.path: Deployment dev-env writes .*, which source team-files reads \(sources\.team-files\.connections_file_path\)/,
    );
    assert.equal(project.read("secrets/connections.yaml"), source, "the source is not written");

    project.write(
      "afsync.yaml",
      CONFIG.replace(
        "{ type: env-file, path: astro-project/.env }",
        "{ type: airflow-settings, path: astro-project/airflow_settings.yaml }",
      ),
    );
    const twice = project.run("plan");
    assert.equal(twice.code, 1);
    assert.match(
      twice.stderr,
      /Deployment dev \(deployments\.dev\.target\.path\) and Deployment dev-env \(deployments\.dev-env\.target\.path\) both write/,
    );
    project.write("afsync.yaml", CONFIG);
  });

  it("says where to point --config when the file is missing", () => {
    const result = project.run("plan", "--config", "nowhere.yaml");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /config file .*nowhere\.yaml not found \(pass --config <file>\)/);
  });
});
