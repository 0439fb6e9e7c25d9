// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${AWS::Region}` and friends are CloudFormation Fn::Sub placeholders, not JS templates
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CfnResource, type CfnTemplate, packageServerless, readTemplate, zipEntries } from "./support/packageServerless.ts";

// One `serverless package` (~5–10 s, offline, under the loopback-only guard) for the whole file;
// every test reads the CloudFormation template and the zips it produced.
let outDir = "";
let template: CfnTemplate;

before(() => {
  outDir = mkdtempSync(join(tmpdir(), "afsync-sls-"));
  packageServerless(outDir);
  template = readTemplate(outDir);
});
after(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const props = (r: CfnResource | undefined) => r?.Properties ?? {};
const sub = (text: string) => ({ "Fn::Sub": text });
const ARN = "arn:${AWS::Partition}";
const ACCOUNT = "${AWS::Region}:${AWS::AccountId}";

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[] | string;
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
function statements(): Statement[] {
  const role = template.Resources.IamRoleLambdaExecution;
  const policies = props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}
const bySid = (sid: string) => {
  const found = statements().find((s) => s.Sid === sid);
  assert.ok(found, `statement ${sid}`);
  return found;
};

describe("serverless package: CloudFormation template", () => {
  it("has the three EventBridge rules with exact patterns, names filtered by the config's prefixes", () => {
    const patterns = ofType("AWS::Events::Rule")
      .map(([, r]) => props(r).EventPattern)
      .filter((p) => p !== undefined);
    assert.deepEqual(patterns, [
      {
        source: ["aws.secretsmanager"],
        "detail-type": ["AWS API Call via CloudTrail", "AWS Service Event via CloudTrail"],
        detail: {
          eventName: [
            "CreateSecret",
            "PutSecretValue",
            "UpdateSecret",
            "UpdateSecretVersionStage",
            "DeleteSecret",
            "RestoreSecret",
            "RotationSucceeded",
            "RotationFailed",
            "CancelSecretVersionDelete",
          ],
        },
      },
      {
        source: ["aws.secretsmanager"],
        "detail-type": ["Secret Label Updated"],
        detail: { labelUpdated: ["AWSCURRENT"], name: [{ prefix: "airflow/connections/" }, { prefix: "airflow/variables/" }] },
      },
      {
        source: ["aws.ssm"],
        "detail-type": ["Parameter Store Change"],
        detail: {
          operation: ["Create", "Update", "Delete", "LabelParameterVersion"],
          name: [{ prefix: "/airflow/connections/" }, { prefix: "/airflow/variables/" }],
        },
      },
    ]);
    for (const [, rule] of ofType("AWS::Events::Rule")) {
      const targets = props(rule).Targets as { Arn: { "Fn::GetAtt": string[] } }[];
      const fn = targets[0]?.Arn["Fn::GetAtt"][0];
      assert.equal(fn, props(rule).EventPattern ? "EventsLambdaFunction" : "ReconcileLambdaFunction");
    }
  });

  it("schedules the reconciliation from serve.reconcile_every", () => {
    const schedules = ofType("AWS::Events::Rule").map(([, r]) => props(r).ScheduleExpression);
    assert.deepEqual(
      schedules.filter((s) => s !== undefined),
      ["rate(15 minutes)"],
    );
  });

  it("lets the functions read only the configured prefixes' secrets and parameters", () => {
    assert.deepEqual(bySid("ReadConfiguredSecrets"), {
      Sid: "ReadConfiguredSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      Resource: [
        sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:airflow/connections/*`),
        sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:airflow/variables/*`),
      ],
    });
    assert.deepEqual(bySid("ReadConfiguredParameters").Resource, [
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/airflow/connections`),
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/airflow/connections/*`),
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/airflow/variables`),
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/airflow/variables/*`),
    ]);
    assert.deepEqual(bySid("ReadDeploymentSecrets").Resource, [
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/hmac-key-??????`),
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/webhook-secret-??????`),
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/airflow-username-??????`),
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/airflow-password-??????`),
    ]);
    // Any statement on "*" is one of the few actions IAM cannot scope, or carries a condition.
    for (const s of statements().filter((x) => JSON.stringify(x.Resource).includes('"*"'))) {
      const actions = [s.Action].flat();
      const unscopable = actions.every((a) => a === "secretsmanager:ListSecrets" || a === "secretsmanager:BatchGetSecretValue");
      assert.ok(unscopable || s.Condition !== undefined, `unscoped statement ${JSON.stringify(s)}`);
      assert.ok(!actions.some((a) => a.endsWith(":*") || a === "*"), "no wildcard actions");
    }
  });

  it("scopes kms:Decrypt to Secrets Manager and SSM via kms:ViaService and the resources' encryption context", () => {
    const sm = bySid("DecryptConfiguredSecrets");
    assert.deepEqual(sm.Action, ["kms:Decrypt"]);
    assert.deepEqual(sm.Condition?.StringEquals, { "kms:ViaService": sub("secretsmanager.${AWS::Region}.amazonaws.com") });
    assert.deepEqual(sm.Condition?.StringLike?.["kms:EncryptionContext:SecretARN"], bySid("ReadConfiguredSecrets").Resource);
    const ssm = bySid("DecryptConfiguredParameters");
    assert.deepEqual(ssm.Condition?.StringEquals, { "kms:ViaService": sub("ssm.${AWS::Region}.amazonaws.com") });
    for (const s of statements()) if ([s.Action].flat().includes("kms:Decrypt")) assert.ok(s.Condition?.StringEquals?.["kms:ViaService"]);
  });

  it("grants SQS only on its own queue", () => {
    const sqs = statements().filter((s) => [s.Action].flat().some((a) => a.startsWith("sqs:")));
    assert.ok(sqs.length >= 2, "send (producers) and receive (worker event source)");
    for (const s of sqs) assert.deepEqual([s.Resource].flat(), [{ "Fn::GetAtt": ["SyncQueue", "Arn"] }]);
  });

  it("declares a FIFO queue with explicit dedup ids, a FIFO DLQ after 5 receives, visibility ≥ 6× the worker timeout", () => {
    const queue = props(template.Resources.SyncQueue);
    const dlq = props(template.Resources.SyncDeadLetterQueue);
    const workerTimeout = Number(props(template.Resources.WorkerLambdaFunction).Timeout);
    assert.equal(queue.FifoQueue, true);
    assert.equal(queue.ContentBasedDeduplication, false);
    assert.ok(Number(queue.VisibilityTimeout) >= 6 * workerTimeout, `${queue.VisibilityTimeout} vs worker ${workerTimeout}`);
    assert.deepEqual(queue.RedrivePolicy, { deadLetterTargetArn: { "Fn::GetAtt": ["SyncDeadLetterQueue", "Arn"] }, maxReceiveCount: 5 });
    assert.equal(dlq.FifoQueue, true);
    assert.match(String(queue.QueueName), /\.fifo$/);
    assert.match(String(dlq.QueueName), /\.fifo$/);
  });

  it("feeds the worker from the queue with partial batch failures", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").map(([, r]) => props(r));
    assert.equal(mappings.length, 1);
    assert.deepEqual(mappings[0]?.EventSourceArn, { "Fn::GetAtt": ["SyncQueue", "Arn"] });
    assert.deepEqual(mappings[0]?.FunctionResponseTypes, ["ReportBatchItemFailures"]);
    assert.equal(mappings[0]?.BatchSize, 10);
  });

  it("routes POST /webhook on the HTTP API to the webhook function", () => {
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => props(r).RouteKey);
    assert.deepEqual(routes, ["POST /webhook"]);
  });

  it("gives every function the bundled config, the queue URL and the secrets map, never a secret", () => {
    for (const name of ["Events", "Worker", "Webhook", "Reconcile"]) {
      const fn = props(template.Resources[`${name}LambdaFunction`]);
      const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.equal(env.AFSYNC_CONFIG, "afsync.config.yaml");
      assert.deepEqual(env.AFSYNC_QUEUE_URL, { Ref: "SyncQueue" });
      assert.deepEqual(JSON.parse(String(env.AFSYNC_ENV_FROM_SECRETS)), {
        AFSYNC_HMAC_KEY: "afsync/hmac-key",
        AFSYNC_WEBHOOK_SECRET: "afsync/webhook-secret",
        AIRFLOW_USERNAME: "afsync/airflow-username",
        AIRFLOW_PASSWORD: "afsync/airflow-password",
      });
      assert.equal(fn.Runtime, "nodejs20.x");
    }
  });
});

describe("serverless package: function zips", () => {
  it("packs each function as one bundle plus the config, without better-sqlite3", () => {
    const zips = readdirSync(outDir)
      .filter((f) => f.endsWith(".zip"))
      .sort();
    assert.deepEqual(zips, ["events.zip", "reconcile.zip", "webhook.zip", "worker.zip"]);
    for (const zip of zips) {
      const names = zipEntries(join(outDir, zip)).map((e) => e.name);
      const handler = `src/handlers/${zip.replace(".zip", "")}.cjs`;
      assert.ok(names.includes(handler), `${zip} holds ${handler}: ${names.join(", ")}`);
      assert.ok(names.includes("afsync.config.yaml"), `${zip} holds the config`);
      assert.ok(!names.some((n) => n.includes("better-sqlite3") || n.endsWith(".node")), `${zip} has no native module`);
    }
  });
});
