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

  it("says where to point --config when the file is missing", () => {
    const result = project.run("plan", "--config", "nowhere.yaml");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /config file .*nowhere\.yaml not found \(pass --config <file>\)/);
  });
});
