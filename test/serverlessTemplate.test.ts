// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${AWS::Region}` and friends are CloudFormation Fn::Sub placeholders, not JS templates
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { STRICT_CONFIG_SIDE_FILE } from "@afsync/runtime/config/strictConfigSideFile";
import { SECRET_ENV_READER_SIDE_FILE } from "../functions/aws/src/deploy/secretEnvReaderSideFile.ts";
import { SQS_SENDER_SIDE_FILE } from "../functions/aws/src/deploy/sqsSenderSideFile.ts";
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
const FUNCTIONS = ["Events", "Worker", "Webhook", "Reconcile", "Coalesce"] as const;
type FunctionName = (typeof FUNCTIONS)[number];
/** The statements of one function's own role. */
function statements(fn: FunctionName): Statement[] {
  const role = template.Resources[`${fn}Role`];
  assert.equal(role?.Type, "AWS::IAM::Role", `${fn}Role`);
  const policies = props(role).Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement);
}
const allStatements = () => FUNCTIONS.flatMap((fn) => statements(fn));
const actionsOf = (fn: FunctionName) => statements(fn).flatMap((s) => [s.Action].flat());
const bySid = (sid: string, fn: FunctionName = "Worker") => {
  const found = statements(fn).find((s) => s.Sid === sid);
  assert.ok(found, `statement ${sid} of ${fn}Role`);
  return found;
};
const getAtt = (resource: string) => ({ "Fn::GetAtt": [resource, "Arn"] });

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

  it("gives each function its own role and no shared one", () => {
    assert.equal(template.Resources.IamRoleLambdaExecution, undefined, "no shared Serverless role");
    for (const fn of FUNCTIONS) {
      const lambda = template.Resources[`${fn}LambdaFunction`];
      assert.deepEqual(props(lambda).Role, getAtt(`${fn}Role`));
      assert.deepEqual(props(template.Resources[`${fn}Role`]).AssumeRolePolicyDocument, {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] }],
      });
      // Logs: its own log group only (the Arn attribute covers the group's streams).
      assert.deepEqual(bySid("WriteOwnLogs", fn), {
        Sid: "WriteOwnLogs",
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: [getAtt(`${fn}LogGroup`)],
      });
      assert.equal(statements(fn).filter((s) => [s.Action].flat().some((a) => a.startsWith("logs:"))).length, 1, fn);
    }
  });

  it("lets only the worker read the configured prefixes, list secrets and decrypt", () => {
    for (const fn of ["Events", "Webhook", "Reconcile", "Coalesce"] as const) {
      const reads = actionsOf(fn).filter(
        (a) => a.startsWith("ssm:Get") || a.startsWith("kms:") || a === "secretsmanager:BatchGetSecretValue",
      );
      // The reconcile's fan-out reads its own ledger parameters (GetParametersByPath), under the stack's path only.
      assert.deepEqual(reads, fn === "Reconcile" ? ["ssm:GetParametersByPath"] : [], `${fn}Role reads no source`);
      for (const s of statements(fn).filter((x) => [x.Action].flat().includes("secretsmanager:GetSecretValue")))
        assert.ok(!JSON.stringify(s.Resource).includes("airflow/"), `${fn}Role reads no configured prefix`);
    }
    // The reconcile lists versions (no value), keeps the fan-out ledger and reads the HMAC key only.
    assert.deepEqual(bySid("ListSourceVersions", "Reconcile").Action, ["secretsmanager:ListSecrets", "ssm:DescribeParameters"]);
    assert.deepEqual(bySid("KeepFanoutLedger", "Reconcile").Resource, [
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/afsync/\${AWS::StackName}/fanout`),
      sub(`${ARN}:ssm:${ACCOUNT}:parameter/afsync/\${AWS::StackName}/fanout/*`),
    ]);
    assert.deepEqual(bySid("KeepFanoutLedger").Action, ["ssm:PutParameter"]);
    assert.deepEqual(bySid("ReadDeploymentSecrets", "Reconcile").Resource, [
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/hmac-key-??????`),
    ]);
    // Events read no deploy-time secret at cold start (AFSYNC_ENV_FROM_SECRETS unset).
    assert.ok(!actionsOf("Events").some((a) => a.startsWith("secretsmanager:")));
    assert.ok(!actionsOf("Coalesce").some((a) => a.startsWith("secretsmanager:")));
    assert.deepEqual(bySid("ReadDeploymentSecrets", "Webhook").Resource, [
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/webhook-secret-??????`),
    ]);
  });

  it("lets the worker read only the configured prefixes' secrets and parameters", () => {
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
    // The deploy-time secrets it reads at cold start; the webhook's signing secret is not one.
    assert.deepEqual(bySid("ReadDeploymentSecrets").Resource, [
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/hmac-key-??????`),
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/airflow-username-??????`),
      sub(`${ARN}:secretsmanager:${ACCOUNT}:secret:afsync/airflow-password-??????`),
    ]);
    // Any statement on "*" is one of the few actions IAM cannot scope, or carries a condition.
    for (const s of allStatements().filter((x) => JSON.stringify(x.Resource).includes('"*"'))) {
      const actions = [s.Action].flat();
      const unscopable = actions.every(
        (a) => a === "secretsmanager:ListSecrets" || a === "secretsmanager:BatchGetSecretValue" || a === "ssm:DescribeParameters",
      );
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
    for (const s of allStatements())
      if ([s.Action].flat().includes("kms:Decrypt")) assert.ok(s.Condition?.StringEquals?.["kms:ViaService"]);
  });

  it("grants each function only the SQS actions it calls, on its own queues", () => {
    const sqsOf = (fn: FunctionName) =>
      statements(fn)
        .filter((s) => [s.Action].flat().some((a) => a.startsWith("sqs:")))
        .map((s) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }));
    const send = { actions: ["sqs:SendMessage"], resources: [getAtt("SyncQueue")] };
    const sendHint = { actions: ["sqs:SendMessage"], resources: [getAtt("HintQueue")] };
    const consume = (queue: string) => ({
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
      resources: [getAtt(queue)],
    });
    // Events also sends what fails after Lambda's retries to the event DLQ (its async destination).
    assert.deepEqual(sqsOf("Events"), [sendHint, { actions: ["sqs:SendMessage"], resources: [getAtt("EventDeadLetterQueue")] }]);
    assert.deepEqual(sqsOf("Webhook"), [sendHint]);
    assert.deepEqual(sqsOf("Reconcile"), [send]);
    // Coalesce drains the hint queue into the FIFO queue; the worker only consumes the FIFO queue.
    assert.deepEqual(sqsOf("Coalesce"), [consume("HintQueue"), send]);
    assert.deepEqual(sqsOf("Worker"), [consume("SyncQueue")]);
  });

  it("retries EventBridge deliveries for an hour, then dead-letters them to a standard queue only the rules may send to", () => {
    const rules = ofType("AWS::Events::Rule").filter(([, r]) => props(r).EventPattern !== undefined);
    assert.equal(rules.length, 3);
    const ruleArns = rules.map(([, r]) => ({
      "Fn::Join": [
        "",
        ["arn:", { Ref: "AWS::Partition" }, ":events:", { Ref: "AWS::Region" }, ":", { Ref: "AWS::AccountId" }, `:rule/${props(r).Name}`],
      ],
    }));
    for (const [id, rule] of rules) {
      const [target] = props(rule).Targets as Record<string, unknown>[];
      assert.deepEqual(target?.RetryPolicy, { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 }, id);
      assert.deepEqual(target?.DeadLetterConfig, { Arn: getAtt("EventDeadLetterQueue") }, id);
    }
    const dlq = props(template.Resources.EventDeadLetterQueue);
    assert.equal(template.Resources.EventDeadLetterQueue?.Type, "AWS::SQS::Queue");
    // EventBridge cannot dead-letter to a FIFO queue.
    assert.equal(dlq.FifoQueue, undefined);
    assert.equal(dlq.MessageRetentionPeriod, 1209600);
    const policy = props(template.Resources.EventDeadLetterQueuePolicy);
    assert.deepEqual(policy.Queues, [{ Ref: "EventDeadLetterQueue" }]);
    assert.deepEqual((policy.PolicyDocument as { Statement: unknown[] }).Statement, [
      {
        Sid: "EventBridgeRulesDeadLetters",
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: getAtt("EventDeadLetterQueue"),
        Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
      },
    ]);
  });

  it("sends an event that still fails after Lambda's async retries to the event DLQ", () => {
    const configs = ofType("AWS::Lambda::EventInvokeConfig").map(([, r]) => props(r));
    assert.deepEqual(configs, [
      {
        FunctionName: { Ref: "EventsLambdaFunction" },
        DestinationConfig: { OnFailure: { Destination: getAtt("EventDeadLetterQueue") } },
        Qualifier: "$LATEST",
        MaximumRetryAttempts: 2,
      },
    ]);
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

  it("feeds the worker from the FIFO queue with partial batch failures", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").map(([, r]) => props(r));
    assert.equal(mappings.length, 2);
    const worker = mappings.find((m) => JSON.stringify(m.EventSourceArn).includes("SyncQueue"));
    assert.deepEqual(worker?.FunctionName, getAtt("WorkerLambdaFunction"));
    assert.deepEqual(worker?.FunctionResponseTypes, ["ReportBatchItemFailures"]);
    assert.equal(worker?.BatchSize, 10);
    // FIFO event sources take no batching window (AWS rejects one): coalescing happens before.
    assert.equal(worker?.MaximumBatchingWindowInSeconds, undefined);
  });

  it("drains the standard hint queue into the coalesce function with a batching window, at most 2 batches at once", () => {
    const mappings = ofType("AWS::Lambda::EventSourceMapping").map(([, r]) => props(r));
    const coalesce = mappings.find((m) => JSON.stringify(m.EventSourceArn).includes("HintQueue"));
    assert.deepEqual(coalesce?.FunctionName, getAtt("CoalesceLambdaFunction"));
    assert.equal(coalesce?.BatchSize, 1000);
    assert.equal(coalesce?.MaximumBatchingWindowInSeconds, 10);
    assert.deepEqual(coalesce?.ScalingConfig, { MaximumConcurrency: 2 });
    assert.deepEqual(coalesce?.FunctionResponseTypes, ["ReportBatchItemFailures"]);
    const queue = props(template.Resources.HintQueue);
    assert.equal(queue.FifoQueue, undefined, "a standard queue: only those take a batching window");
    const coalesceTimeout = Number(props(template.Resources.CoalesceLambdaFunction).Timeout);
    assert.ok(Number(queue.VisibilityTimeout) >= 6 * coalesceTimeout + 10, `${queue.VisibilityTimeout} vs coalesce ${coalesceTimeout}`);
    assert.deepEqual(queue.RedrivePolicy, { deadLetterTargetArn: getAtt("HintDeadLetterQueue"), maxReceiveCount: 5 });
  });

  it("routes POST /webhook on the HTTP API to the webhook function", () => {
    const routes = ofType("AWS::ApiGatewayV2::Route").map(([, r]) => props(r).RouteKey);
    assert.deepEqual(routes, ["POST /webhook"]);
  });

  it("gives every function the bundled config, the queue URL and only its own secrets map, never a secret", () => {
    const secretsMaps: Record<FunctionName, Record<string, string> | undefined> = {
      Events: undefined,
      Worker: {
        AFSYNC_HMAC_KEY: "afsync/hmac-key",
        AIRFLOW_USERNAME: "afsync/airflow-username",
        AIRFLOW_PASSWORD: "afsync/airflow-password",
      },
      Webhook: { AFSYNC_WEBHOOK_SECRET: "afsync/webhook-secret" },
      // The fan-out's fingerprints are keyed with the HMAC key: its one secret.
      Reconcile: { AFSYNC_HMAC_KEY: "afsync/hmac-key" },
      Coalesce: undefined,
    };
    for (const name of FUNCTIONS) {
      const fn = props(template.Resources[`${name}LambdaFunction`]);
      const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
      assert.equal(env.AFSYNC_CONFIG, "functions/aws/afsync.config.yaml");
      assert.deepEqual(env.AFSYNC_QUEUE_URL, { Ref: "SyncQueue" });
      assert.deepEqual(env.AFSYNC_HINT_QUEUE_URL, { Ref: "HintQueue" });
      const map = env.AFSYNC_ENV_FROM_SECRETS;
      assert.deepEqual(map === undefined ? undefined : JSON.parse(String(map)), secretsMaps[name], name);
      assert.equal(fn.Runtime, "nodejs20.x");
    }
  });
});

describe("serverless package: function zips", () => {
  it("packs each function as one bundle plus the config, without better-sqlite3", () => {
    const zips = readdirSync(outDir)
      .filter((f) => f.endsWith(".zip"))
      .sort();
    assert.deepEqual(zips, ["coalesce.zip", "events.zip", "reconcile.zip", "webhook.zip", "worker.zip"]);
    for (const zip of zips) {
      const names = zipEntries(join(outDir, zip)).map((e) => e.name);
      const handler = `functions/aws/src/handlers/${zip.replace(".zip", "")}.cjs`;
      assert.ok(names.includes(handler), `${zip} holds ${handler}: ${names.join(", ")}`);
      assert.ok(names.includes("functions/aws/afsync.config.yaml"), `${zip} holds the config`);
      assert.ok(!names.some((n) => n.includes("better-sqlite3") || n.endsWith(".node")), `${zip} has no native module`);
      // A bundle requires its side files by a path beside itself, on the paths that need them
      // (a config that is not the embedded one, a send, a secret mapping): each must be in the zip.
      for (const side of [STRICT_CONFIG_SIDE_FILE, SQS_SENDER_SIDE_FILE, SECRET_ENV_READER_SIDE_FILE])
        assert.ok(names.includes(`functions/aws/src/handlers/${side}`), `${zip} holds ${side} beside its handler`);
    }
  });
});
