import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "@afsync/core";
import { BUNDLED_CONFIG_DEFINE, isEmbeddedConfig } from "@afsync/runtime/config/bundledConfig";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { awsDeployFacts } from "../src/deploy/awsDeployFacts.ts";
import { loadLambdaConfig } from "../src/runtime/loadLambdaConfig.ts";
import { resolveSecretEnv } from "../src/runtime/resolveSecretEnv.ts";

const yaml = `
sources:
  files: { type: local, connections_file_path: connections.json }
deployments:
  dev: { target: { type: env-file, path: .env }, sources: [files] }
state: { type: memory }
`;
const dir = mkdtempSync(join(tmpdir(), "afsync-lambda-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("loadLambdaConfig", () => {
  it("parses AFSYNC_CONFIG given inline as YAML or JSON, relative paths from the task root", async () => {
    const fromYaml = await loadLambdaConfig({ AFSYNC_CONFIG: yaml, LAMBDA_TASK_ROOT: dir });
    assert.deepEqual(
      fromYaml.config.deployments.map((d) => d.id),
      ["dev"],
    );
    assert.equal(fromYaml.configDir, dir);
    const fromJson = await loadLambdaConfig({
      AFSYNC_CONFIG: JSON.stringify({
        sources: { files: { type: "local", connections_file_path: "c.json" } },
        deployments: { dev: { target: { type: "env-file", path: ".env" }, sources: ["files"] } },
      }),
    });
    assert.equal(fromJson.config.sources[0]?.id, "files");
  });

  it("reads a bundled file named by AFSYNC_CONFIG relative to LAMBDA_TASK_ROOT", async () => {
    writeFileSync(join(dir, "bundled.yaml"), yaml);
    const loaded = await loadLambdaConfig({ AFSYNC_CONFIG: "bundled.yaml", LAMBDA_TASK_ROOT: dir });
    assert.equal(loaded.config.deployments[0]?.target.type, "env-file");
    assert.equal(loaded.configDir, dir);
  });

  it("fails fast with the path of what is wrong", async () => {
    await assert.rejects(loadLambdaConfig({}), (e: unknown) => e instanceof ConfigError && e.path === "AFSYNC_CONFIG");
    await assert.rejects(loadLambdaConfig({ AFSYNC_CONFIG: "sources: [\n" }), /AFSYNC_CONFIG: does not parse/);
    await assert.rejects(
      loadLambdaConfig({ AFSYNC_CONFIG: yaml.replace("path: .env", "pth: .env") }),
      (e: unknown) => e instanceof ConfigError && e.message.includes("deployments.dev.target"),
    );
    await assert.rejects(loadLambdaConfig({ AFSYNC_CONFIG: "missing.yaml", LAMBDA_TASK_ROOT: dir }), /not found/);
  });
});

describe("the config embedded in a bundle", () => {
  // What esbuild's `define` does to the bundle, done by hand: the global holds the JSON text.
  const global = globalThis as { AFSYNC_BUNDLED_CONFIG?: string };
  const embed = (define: Readonly<Record<string, string>>) => {
    const literal = define[BUNDLED_CONFIG_DEFINE];
    assert.ok(literal, "awsDeployFacts embeds the config");
    global.AFSYNC_BUNDLED_CONFIG = JSON.parse(literal) as string;
  };
  after(() => {
    delete global.AFSYNC_BUNDLED_CONFIG;
  });

  it("is the config validated at build, used only for the file with the same bytes", async () => {
    const file = join(dir, "embedded.yaml");
    writeFileSync(file, yaml);
    const facts = await awsDeployFacts(file);
    embed(facts.esbuildDefine);
    const strict = await (async () => {
      const saved = global.AFSYNC_BUNDLED_CONFIG;
      delete global.AFSYNC_BUNDLED_CONFIG;
      try {
        return await loadLambdaConfig({ AFSYNC_CONFIG: "embedded.yaml", LAMBDA_TASK_ROOT: dir });
      } finally {
        global.AFSYNC_BUNDLED_CONFIG = saved;
      }
    })();
    const embedded = await loadLambdaConfig({ AFSYNC_CONFIG: "embedded.yaml", LAMBDA_TASK_ROOT: dir });
    assert.deepEqual(embedded, strict);
    // Only the embedded object builds its adapters without parsing their options again.
    assert.equal(isEmbeddedConfig(embedded.config), true);
    assert.equal(isEmbeddedConfig(strict.config), false);
    assert.equal(isEmbeddedConfig(structuredClone(embedded.config)), false);

    // Proof that the embedded form is what is used (nothing is parsed): mark it, same hash.
    const marked = JSON.parse(global.AFSYNC_BUNDLED_CONFIG ?? "") as { config: { deployments: { id: string }[] } };
    for (const d of marked.config.deployments) d.id = `embedded-${d.id}`;
    global.AFSYNC_BUNDLED_CONFIG = JSON.stringify(marked);
    const used = await loadLambdaConfig({ AFSYNC_CONFIG: "embedded.yaml", LAMBDA_TASK_ROOT: dir });
    assert.deepEqual(
      used.config.deployments.map((d) => d.id),
      ["embedded-dev"],
    );

    // Other bytes in the file: parsed and validated strictly, errors with their path.
    writeFileSync(file, `${yaml}# edited after the build\n`);
    const reparsed = await loadLambdaConfig({ AFSYNC_CONFIG: "embedded.yaml", LAMBDA_TASK_ROOT: dir });
    assert.deepEqual(reparsed.config, strict.config);
    assert.equal(isEmbeddedConfig(reparsed.config), false);
    writeFileSync(file, yaml.replace("path: .env", "pth: .env"));
    await assert.rejects(
      loadLambdaConfig({ AFSYNC_CONFIG: "embedded.yaml", LAMBDA_TASK_ROOT: dir }),
      (e: unknown) => e instanceof ConfigError && e.message.includes("deployments.dev.target"),
    );
    // A config given inline in the environment is always validated.
    await assert.rejects(
      loadLambdaConfig({ AFSYNC_CONFIG: yaml.replace("path: .env", "pth: .env"), LAMBDA_TASK_ROOT: dir }),
      (e: unknown) => e instanceof ConfigError && e.message.includes("deployments.dev.target"),
    );
  });

  it("is not embedded when the config does not validate: the build fails naming the key", async () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, yaml.replace("path: .env", "pth: .env"));
    await assert.rejects(awsDeployFacts(file), (e: unknown) => e instanceof ConfigError && e.message.includes("deployments.dev.target"));
  });
});

describe("resolveSecretEnv", () => {
  // The happy path (values read from the emulated Secrets Manager) runs in test/aws-lambda-e2e.test.ts.
  const noClient = () => {
    throw new Error("no Secrets Manager call expected");
  };

  it("returns a copy of the env when there is nothing to resolve", async () => {
    const env = { A: "1", AFSYNC_ENV_FROM_SECRETS: "{}" };
    const out = await resolveSecretEnv(env, noClient);
    assert.deepEqual(out, env);
    assert.notEqual(out, env);
  });

  it("rejects a mapping that is not an object of variable names to secret ids", async () => {
    for (const bad of ["[1]", "nope", '{"1BAD":"x"}', '{"OK":""}']) {
      await assert.rejects(resolveSecretEnv({ AFSYNC_ENV_FROM_SECRETS: bad }, noClient), ConfigError, bad);
    }
  });

  it("names the variable and the secret id, never a value, when a read fails", async () => {
    const client = new SecretsManagerClient({
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" },
      maxAttempts: 1,
    });
    await assert.rejects(
      resolveSecretEnv({ AFSYNC_ENV_FROM_SECRETS: '{"AIRFLOW_PASSWORD":"afsync/airflow-password"}' }, () => client),
      /reading secret afsync\/airflow-password for AIRFLOW_PASSWORD failed/,
    );
    client.destroy();
  });
});
