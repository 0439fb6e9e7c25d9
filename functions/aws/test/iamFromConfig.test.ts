// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${AWS::Region}` and friends are CloudFormation Fn::Sub placeholders, not JS templates
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

// The resolver serverless.yml calls, exercised directly on configs the bundled example does not
// cover (the template test covers the example end to end).
type Resolver = (ctx: { resolveConfigurationProperty: (path: string[]) => Promise<unknown> }) => Promise<unknown>;
const resolvers = createRequire(import.meta.url)("../iam-from-config.cjs") as Record<string, Resolver>;
const dir = mkdtempSync(join(tmpdir(), "afsync-iam-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string, configYaml: string, custom: Record<string, unknown> = {}): Promise<unknown> {
  const file = join(dir, `${name}-${Math.abs(hash(configYaml))}.yaml`);
  writeFileSync(file, configYaml);
  const values: Record<string, unknown> = { configFile: file, workerTimeout: 60, ...custom };
  const resolver = resolvers[name];
  assert.ok(resolver, name);
  return resolver({ resolveConfigurationProperty: async (path) => values[path[2] ?? ""] });
}
function hash(text: string): number {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

// Configs the functions' parser accepts: the resolver reads them with that parser.
const ONE_DEPLOYMENT = "deployments:\n  d: { target: { type: env-file, path: d.env }, sources: [files] }\n";
const smOnly = `
sources:
  eu:
    type: aws-secrets-manager
    connections_prefix: teams/a/conns
    variables_prefix: null
    region_name: eu-west-1
  files: { type: local, connections_file_path: c.json }
${ONE_DEPLOYMENT}serve: { reconcile_every: 2h }
`;
const filesOnly = (serve: string) => `sources:\n  files: { type: local, connections_file_path: c.json }\n${ONE_DEPLOYMENT}${serve}`;

interface Statement {
  Sid: string;
  Action: string[];
  Resource: unknown;
}
interface Role {
  Type: string;
  Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
}
async function roleStatements(name: string, configYaml: string, custom: Record<string, unknown> = {}): Promise<Statement[]> {
  const role = (await run(name, configYaml, custom)) as Role;
  assert.equal(role.Type, "AWS::IAM::Role");
  return role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

const envFromSecrets = {
  AFSYNC_HMAC_KEY: "afsync/hmac-key",
  TEAM_HOOK_SECRET: "afsync/team-hook",
  AIRFLOW_TOKEN: "arn:aws:secretsmanager:eu-west-1:1:secret:afsync/token-AbCdEf",
};

describe("iam-from-config.cjs", () => {
  it("scopes secrets to the source's prefix and region and skips a null prefix and non-AWS sources", async () => {
    const statements = await roleStatements("workerRole", smOnly);
    assert.deepEqual(statements.find((s) => s.Sid === "ReadConfiguredSecrets")?.Resource, [
      { "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:eu-west-1:${AWS::AccountId}:secret:teams/a/conns/*" },
    ]);
    assert.equal(
      statements.some((s) => s.Sid === "ReadConfiguredParameters"),
      false,
    );
    assert.deepEqual(
      statements.map((s) => s.Sid),
      [
        "ReadConfiguredSecrets",
        "ListSecretsForReconciliation",
        "DecryptConfiguredSecrets",
        "ConsumeOwnQueue",
        "KeepFanoutLedger",
        "WriteOwnLogs",
      ],
    );
  });

  it("gives the producers' roles no access to the configured prefixes or KMS", async () => {
    for (const name of ["eventsRole", "webhookRole", "reconcileRole"]) {
      const actions = (await roleStatements(name, smOnly, { envFromSecrets })).flatMap((s) => s.Action);
      assert.ok(actions.includes("sqs:SendMessage"), name);
      assert.ok(!actions.some((a) => a.startsWith("kms:") || a === "secretsmanager:BatchGetSecretValue"), name);
      // The reconcile's fan-out lists versions (no value) and keeps its ledger; the others neither.
      const listsOrKeeps = actions.some((a) => a.startsWith("ssm:") || a === "secretsmanager:ListSecrets");
      assert.equal(listsOrKeeps, name === "reconcileRole", name);
    }
  });

  it("lets the reconcile list versions, read only the HMAC key and keep the fan-out ledger under the stack's path", async () => {
    const smTarget = `${smOnly}state: { type: target }\n`;
    const statements = await roleStatements("reconcileRole", smTarget, { envFromSecrets });
    assert.deepEqual(
      statements.map((s) => s.Sid),
      ["SendToOwnQueue", "ListSourceVersions", "ReadDeploymentSecrets", "KeepFanoutLedger", "WriteOwnLogs"],
    );
    assert.deepEqual(statements.find((s) => s.Sid === "ListSourceVersions")?.Action, ["secretsmanager:ListSecrets"]);
    assert.deepEqual(statements.find((s) => s.Sid === "KeepFanoutLedger")?.Resource, [
      { "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/afsync/${AWS::StackName}/fanout" },
      { "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/afsync/${AWS::StackName}/fanout/*" },
    ]);
    assert.deepEqual(JSON.parse(String(await run("reconcileEnvFromSecretsJson", smTarget, { envFromSecrets }))), {
      AFSYNC_HMAC_KEY: "afsync/hmac-key",
    });
  });

  it("splits the deploy-time secrets: the webhook's signing secret to the webhook, the rest to the worker", async () => {
    const config = smOnly.replace("reconcile_every: 2h", "reconcile_every: 2h, webhook_secret_env: TEAM_HOOK_SECRET");
    assert.deepEqual(JSON.parse(String(await run("webhookEnvFromSecretsJson", config, { envFromSecrets }))), {
      TEAM_HOOK_SECRET: "afsync/team-hook",
    });
    assert.deepEqual(JSON.parse(String(await run("workerEnvFromSecretsJson", config, { envFromSecrets }))), {
      AFSYNC_HMAC_KEY: "afsync/hmac-key",
      AIRFLOW_TOKEN: "arn:aws:secretsmanager:eu-west-1:1:secret:afsync/token-AbCdEf",
    });
    const readBy = async (name: string) =>
      (await roleStatements(name, config, { envFromSecrets })).find((s) => s.Sid === "ReadDeploymentSecrets")?.Resource;
    assert.deepEqual(await readBy("webhookRole"), [
      { "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:afsync/team-hook-??????" },
    ]);
    assert.deepEqual(await readBy("workerRole"), [
      { "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:afsync/hmac-key-??????" },
      "arn:aws:secretsmanager:eu-west-1:1:secret:afsync/token-AbCdEf",
    ]);
    assert.equal(await readBy("eventsRole"), undefined);
    // State in SQLite: no HMAC key from the env, so the reconcile reads no secret (and enqueues every Deployment).
    assert.equal(await readBy("reconcileRole"), undefined);
  });

  it("restricts kms:Decrypt to the given key ARNs when set", async () => {
    const statements = await roleStatements("workerRole", smOnly, { kmsKeyArns: ["arn:aws:kms:eu-west-1:1:key/k"] });
    assert.deepEqual(statements.find((s) => s.Sid === "DecryptConfiguredSecrets")?.Resource, ["arn:aws:kms:eu-west-1:1:key/k"]);
  });

  it("turns reconcile_every into a rate expression, and lets an override win", async () => {
    assert.equal(await run("reconcileSchedule", smOnly), "rate(2 hours)");
    assert.equal(await run("reconcileSchedule", filesOnly("serve: { reconcile_every: 1m }\n")), "rate(1 minute)");
    assert.equal(await run("reconcileSchedule", filesOnly("")), "rate(15 minutes)");
    assert.equal(await run("reconcileSchedule", smOnly, { reconcileSchedule: "cron(0 * * * ? *)" }), "cron(0 * * * ? *)");
    await assert.rejects(run("reconcileSchedule", filesOnly("serve: { reconcile_every: 90s }\n")), /whole minutes/);
  });

  it("filters EventBridge names by the configured prefixes", async () => {
    assert.deepEqual(await run("secretsManagerNamePatterns", smOnly), [{ prefix: "teams/a/conns/" }]);
    assert.deepEqual(await run("ssmNamePatterns", smOnly), [{ prefix: "/airflow/connections/" }]);
  });

  it("reads the config with the functions' own parser: a form it rejects fails, naming the key", async () => {
    // A list of sources and an unknown option: the old hand-written reader took both.
    const listForm = "sources:\n  - { id: eu, type: aws-secrets-manager }\ndeployments: {}\n";
    await assert.rejects(run("workerRole", listForm), /iam-from-config: .*sources/);
    const typo = smOnly.replace("region_name: eu-west-1", "region_name: eu-west-1\n    connection_prefix: x");
    await assert.rejects(run("workerRole", typo), /sources\.eu.*connection_prefix/);
  });

  it("takes Airflow's default prefixes from the source's own options when the config names none", async () => {
    const defaults = `sources:\n  sm: { type: aws-secrets-manager }\n  ps: { type: aws-ssm }\ndeployments:\n  d: { target: { type: env-file, path: d.env }, sources: [sm, ps] }\n`;
    assert.deepEqual(await run("secretsManagerNamePatterns", defaults), [
      { prefix: "airflow/connections/" },
      { prefix: "airflow/variables/" },
    ]);
    assert.deepEqual(await run("ssmNamePatterns", defaults), [{ prefix: "/airflow/connections/" }, { prefix: "/airflow/variables/" }]);
  });

  it("derives the visibility timeout from the worker timeout", async () => {
    assert.equal(await run("visibilityTimeout", smOnly, { workerTimeout: 120 }), 720);
  });
});
