// Serverless variable resolver: `${file(./functions/aws/iam-from-config.cjs):<property>}` in the
// repository's serverless.yml.
//
// It reads the afsync config bundled with the functions (custom.afsync.configFile) and derives
// what the deployment must grant and listen to from the sources it names, so each function's
// role holds exactly what that function calls and nothing wider:
//
//   eventsRole, workerRole,     one AWS::IAM::Role per function (Serverless 3 would otherwise give
//   webhookRole, reconcileRole, all five one shared role holding the union of their grants)
//   coalesceRole
//   secretsManagerNamePatterns  EventBridge `detail.name` filters for Secret Label Updated
//   ssmNamePatterns             EventBridge `detail.name` filters for Parameter Store Change
//   reconcileSchedule           rate(...) from serve.reconcile_every (default 15 minutes)
//   workerEnvFromSecretsJson    AFSYNC_ENV_FROM_SECRETS of the worker / the webhook / the reconcile:
//   webhookEnvFromSecretsJson   the secrets each reads at cold start (events read none; the
//   reconcileEnvFromSecretsJson reconcile only the HMAC key its fan-out fingerprints are keyed with)
//   visibilityTimeout           6 × custom.afsync.workerTimeout for the FIFO queue
//   esbuildDefine               custom.esbuild.define: leaves every source and target type the
//                               config does not name out of the bundles (cold start)
//
// Who reads what: only the worker reads the configured prefixes (the engine) and the target
// credentials (the targets, the state); the webhook reads its signing secret; the reconcile lists
// the sources' versions (ListSecrets, DescribeParameters: no value) and reads the HMAC key, and it
// and the worker keep the fan-out ledger (SSM parameters under /afsync/<stack>/fanout/); events
// and coalesce only route to the queues (functions/aws/src/runtime/producerDepsFromEnv.ts).
//
// CommonJS because the Serverless Framework `require()`s it while it reads serverless.yml. The
// config itself is read by the functions' own TypeScript parser (src/deploy/awsDeployFacts.ts,
// loaded through tsx, offline): the same validation as at cold start, the AWS sources' own option
// schemas (Airflow's defaults) and naming rules (their prefixes). Nothing about the config is
// re-encoded here; this file only turns those facts into CloudFormation.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${AWS::Region}` and friends are CloudFormation Fn::Sub placeholders, not JS templates
"use strict";

const { resolve } = require("node:path");
const { pathToFileURL } = require("node:url");

const PARTITION_REGION_ACCOUNT = "${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}";

// serverless.yml sits at the repository root; the config path is relative to it (or absolute).
const SERVICE_DIR = resolve(__dirname, "../..");
const factsByPath = new Map();

/** The deploy facts of the configured file, parsed once per path per `serverless` run. */
async function readFacts(resolveConfigurationProperty) {
  const file = (await resolveConfigurationProperty(["custom", "afsync", "configFile"])) || "functions/aws/afsync.config.yaml";
  const path = resolve(SERVICE_DIR, file);
  if (!factsByPath.has(path)) {
    const load = async () => {
      const { tsImport } = await import("tsx/esm/api");
      const { awsDeployFacts } = await tsImport("./src/deploy/awsDeployFacts.ts", pathToFileURL(__filename).href);
      try {
        return await awsDeployFacts(path);
      } catch (error) {
        throw new Error(`iam-from-config: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    factsByPath.set(path, load());
  }
  return factsByPath.get(path);
}

function regionPart(source) {
  return source.region ?? "${AWS::Region}";
}

/** `arn:…:secret:<prefix><sep>*`: the name plus Secrets Manager's random 6-character suffix. */
function secretArns(sources) {
  return sources.flatMap((s) =>
    s.prefixes.map((p) => ({
      "Fn::Sub": `arn:\${AWS::Partition}:secretsmanager:${regionPart(s)}:\${AWS::AccountId}:secret:${p}*`,
    })),
  );
}

/**
 * SSM parameter ARNs fold the name's leading slash (`parameter/airflow/...`). GetParametersByPath
 * is authorized against the path itself, GetParameters against each parameter below it.
 */
function parameterArns(sources) {
  return sources.flatMap((s) =>
    s.prefixes.flatMap((p) => {
      const path = p.replace(/^\/+/, "").replace(/\/+$/, "");
      const base = `arn:\${AWS::Partition}:ssm:${regionPart(s)}:\${AWS::AccountId}:parameter/${path}`;
      return [{ "Fn::Sub": base }, { "Fn::Sub": `${base}/*` }];
    }),
  );
}

function kmsKeyResources(keyArns) {
  return Array.isArray(keyArns) && keyArns.length > 0 ? keyArns : ["*"];
}

async function envFromSecrets(resolveConfigurationProperty) {
  const mapping = (await resolveConfigurationProperty(["custom", "afsync", "envFromSecrets"])) || {};
  if (typeof mapping !== "object" || Array.isArray(mapping))
    throw new Error("iam-from-config: custom.afsync.envFromSecrets must map ENV_NAME to a secret id");
  return mapping;
}

/** Reading the configured prefixes: what the worker's engine calls on each AWS source. */
function sourceReadStatements(sources, kmsKeys) {
  const sm = sources.filter((s) => s.type === "aws-secrets-manager");
  const ssm = sources.filter((s) => s.type === "aws-ssm");
  const statements = [];
  if (sm.length > 0) {
    statements.push({
      Sid: "ReadConfiguredSecrets",
      Effect: "Allow",
      // Exactly what the aws-secrets-manager source calls (GetSecretValue for a pinned version).
      Action: ["secretsmanager:GetSecretValue"],
      Resource: secretArns(sm),
    });
    // ListSecrets and BatchGetSecretValue support no resource-level scoping (the IAM reference
    // lists no resource type for them); BatchGetSecretValue still needs GetSecretValue on each
    // secret, which the statement above limits to the prefixes.
    statements.push({
      Sid: "ListSecretsForReconciliation",
      Effect: "Allow",
      Action: ["secretsmanager:ListSecrets", "secretsmanager:BatchGetSecretValue"],
      Resource: "*",
    });
    statements.push({
      Sid: "DecryptConfiguredSecrets",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: kmsKeys,
      Condition: {
        StringEquals: { "kms:ViaService": { "Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com" } },
        // Secrets Manager passes the secret's ARN as encryption context on every decrypt.
        StringLike: { "kms:EncryptionContext:SecretARN": secretArns(sm) },
      },
    });
  }
  if (ssm.length > 0) {
    statements.push({
      Sid: "ReadConfiguredParameters",
      Effect: "Allow",
      // Exactly what the aws-ssm source calls: GetParameters for hinted keys, GetParametersByPath to reconcile.
      Action: ["ssm:GetParameters", "ssm:GetParametersByPath"],
      Resource: parameterArns(ssm),
    });
    statements.push({
      Sid: "DecryptConfiguredParameters",
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: kmsKeys,
      Condition: {
        StringEquals: { "kms:ViaService": { "Fn::Sub": "ssm.${AWS::Region}.amazonaws.com" } },
        // Parameter Store passes the parameter's ARN as encryption context for SecureStrings.
        StringLike: { "kms:EncryptionContext:PARAMETER_ARN": parameterArns(ssm).filter((_, i) => i % 2 === 1) },
      },
    });
  }
  return statements;
}

/** GetSecretValue on the deploy-time secrets a function reads at cold start; none, no statement. */
function deploySecretStatements(mapping) {
  const ids = Object.values(mapping);
  if (ids.length === 0) return [];
  return [
    {
      Sid: "ReadDeploymentSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue"],
      // A name matches its ARN plus the 6-character suffix Secrets Manager appends.
      Resource: ids.map((id) =>
        String(id).startsWith("arn:")
          ? id
          : { "Fn::Sub": `arn:${PARTITION_REGION_ACCOUNT.replace("%s", "secretsmanager")}:secret:${id}-??????` },
      ),
    },
  ];
}

/**
 * The reconcile fan-out's ledger: one String parameter per Deployment under the stack's own path
 * (serverless.yml sets AFSYNC_FANOUT_PARAMETER_PATH to the same). GetParametersByPath is checked
 * against the path itself, PutParameter against each parameter.
 */
function fanoutLedgerStatement(actions) {
  const path = `arn:${PARTITION_REGION_ACCOUNT.replace("%s", "ssm")}:parameter/afsync/\${AWS::StackName}/fanout`;
  return {
    Sid: "KeepFanoutLedger",
    Effect: "Allow",
    Action: actions,
    Resource: [{ "Fn::Sub": path }, { "Fn::Sub": `${path}/*` }],
  };
}

/**
 * What the reconcile's fan-out lists: each source's versions and no value. Neither call supports
 * resource-level scoping (the IAM reference lists no resource type for ListSecrets or DescribeParameters).
 */
function sourceListStatements(sources) {
  const actions = [
    ...(sources.some((s) => s.type === "aws-secrets-manager") ? ["secretsmanager:ListSecrets"] : []),
    ...(sources.some((s) => s.type === "aws-ssm") ? ["ssm:DescribeParameters"] : []),
  ];
  return actions.length === 0 ? [] : [{ Sid: "ListSourceVersions", Effect: "Allow", Action: actions, Resource: "*" }];
}

const SYNC_QUEUE_ARN = { "Fn::GetAtt": ["SyncQueue", "Arn"] };

const sendToOwnQueue = {
  Sid: "SendToOwnQueue",
  Effect: "Allow",
  Action: ["sqs:SendMessage"],
  Resource: [SYNC_QUEUE_ARN],
};

/** Its own log group only; CloudFormation creates the group (serverless' <Name>LogGroup), so no CreateLogGroup. */
const HINT_QUEUE_ARN = { "Fn::GetAtt": ["HintQueue", "Arn"] };

/** Events and the webhook send hints to the standard queue the coalesce function drains. */
const sendToHintQueue = {
  Sid: "SendToHintQueue",
  Effect: "Allow",
  Action: ["sqs:SendMessage"],
  Resource: [HINT_QUEUE_ARN],
};

/** What Lambda's SQS event source mapping calls with the function's role. */
function consume(queueArn) {
  return {
    Sid: "ConsumeOwnQueue",
    Effect: "Allow",
    Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
    Resource: [queueArn],
  };
}

function ownLogs(logicalName) {
  return {
    Sid: "WriteOwnLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    // The log group's Arn attribute ends in `:*`, which covers its log streams.
    Resource: [{ "Fn::GetAtt": [`${logicalName}LogGroup`, "Arn"] }],
  };
}

function role(logicalName, statements) {
  return {
    Type: "AWS::IAM::Role",
    Properties: {
      AssumeRolePolicyDocument: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: ["lambda.amazonaws.com"] }, Action: ["sts:AssumeRole"] }],
      },
      Policies: [
        {
          PolicyName: `afsync-${logicalName.toLowerCase()}`,
          PolicyDocument: { Version: "2012-10-17", Statement: [...statements, ownLogs(logicalName)] },
        },
      ],
    },
  };
}

/**
 * The deploy-time secrets split by reader: the webhook reads the one serve.webhook_secret_env
 * names; the worker reads every other one (HMAC key, target credentials).
 */
async function envFromSecretsByFunction(resolveConfigurationProperty) {
  const mapping = await envFromSecrets(resolveConfigurationProperty);
  const { webhookSecretEnv } = await readFacts(resolveConfigurationProperty);
  const { hmacKeyEnv } = await readFacts(resolveConfigurationProperty);
  const webhook = {};
  const worker = {};
  const reconcile = {};
  for (const [name, id] of Object.entries(mapping)) {
    (name === webhookSecretEnv ? webhook : worker)[name] = id;
    if (name === hmacKeyEnv) reconcile[name] = id;
  }
  return { webhook, worker, reconcile };
}

module.exports.eventsRole = async () =>
  role("Events", [
    sendToHintQueue,
    {
      // Lambda's asynchronous-invocation destination (functions.events.destinations.onFailure)
      // sends with the function's role; EventBridge's own DLQ delivery is allowed by the queue policy.
      Sid: "SendFailedEventsToDeadLetterQueue",
      Effect: "Allow",
      Action: ["sqs:SendMessage"],
      Resource: [{ "Fn::GetAtt": ["EventDeadLetterQueue", "Arn"] }],
    },
  ]);

module.exports.workerRole = async ({ resolveConfigurationProperty }) => {
  const { awsSources } = await readFacts(resolveConfigurationProperty);
  const kmsKeys = kmsKeyResources(await resolveConfigurationProperty(["custom", "afsync", "kmsKeyArns"]));
  const { worker } = await envFromSecretsByFunction(resolveConfigurationProperty);
  return role("Worker", [
    ...sourceReadStatements(awsSources, kmsKeys),
    ...deploySecretStatements(worker),
    consume(SYNC_QUEUE_ARN),
    fanoutLedgerStatement(["ssm:PutParameter"]),
  ]);
};

module.exports.webhookRole = async ({ resolveConfigurationProperty }) => {
  const { webhook } = await envFromSecretsByFunction(resolveConfigurationProperty);
  return role("Webhook", [sendToHintQueue, ...deploySecretStatements(webhook)]);
};

module.exports.reconcileRole = async ({ resolveConfigurationProperty }) => {
  const { awsSources } = await readFacts(resolveConfigurationProperty);
  const { reconcile } = await envFromSecretsByFunction(resolveConfigurationProperty);
  return role("Reconcile", [
    sendToOwnQueue,
    ...sourceListStatements(awsSources),
    ...deploySecretStatements(reconcile),
    fanoutLedgerStatement(["ssm:GetParametersByPath", "ssm:PutParameter"]),
  ]);
};

/** Drains the hint queue, sends one message per Deployment to the FIFO queue; reads no source. */
module.exports.coalesceRole = async () => role("Coalesce", [consume(HINT_QUEUE_ARN), sendToOwnQueue]);

function namePatterns(type, leadingSlash) {
  return async ({ resolveConfigurationProperty }) => {
    const { awsSources } = await readFacts(resolveConfigurationProperty);
    const prefixes = awsSources.filter((s) => s.type === type).flatMap((s) => s.prefixes);
    // An EventBridge pattern may not hold an empty list: without such a source, fall back to
    // Airflow's default prefix (the events handler ignores what no source reads anyway).
    const list = prefixes.length > 0 ? prefixes : [leadingSlash ? "/airflow/connections/" : "airflow/connections/"];
    return [...new Set(list)].map((prefix) => ({ prefix }));
  };
}

module.exports.secretsManagerNamePatterns = namePatterns("aws-secrets-manager", false);
module.exports.ssmNamePatterns = namePatterns("aws-ssm", true);

/** `serve.reconcile_every` (as the config parser read it) as an EventBridge rate expression. */
module.exports.reconcileSchedule = async ({ resolveConfigurationProperty }) => {
  const override = await resolveConfigurationProperty(["custom", "afsync", "reconcileSchedule"]);
  if (typeof override === "string" && override !== "") return override;
  const { reconcileEveryMs } = await readFacts(resolveConfigurationProperty);
  const seconds = reconcileEveryMs / 1000;
  if (seconds < 60 || seconds % 60 !== 0)
    throw new Error(`iam-from-config: serve.reconcile_every must be whole minutes (EventBridge rates start at 1 minute)`);
  const [n, unit] =
    seconds % 86400 === 0 ? [seconds / 86400, "day"] : seconds % 3600 === 0 ? [seconds / 3600, "hour"] : [seconds / 60, "minute"];
  return `rate(${n} ${unit}${n === 1 ? "" : "s"})`;
};

module.exports.workerEnvFromSecretsJson = async ({ resolveConfigurationProperty }) =>
  JSON.stringify((await envFromSecretsByFunction(resolveConfigurationProperty)).worker);

module.exports.reconcileEnvFromSecretsJson = async ({ resolveConfigurationProperty }) =>
  JSON.stringify((await envFromSecretsByFunction(resolveConfigurationProperty)).reconcile);

module.exports.webhookEnvFromSecretsJson = async ({ resolveConfigurationProperty }) =>
  JSON.stringify((await envFromSecretsByFunction(resolveConfigurationProperty)).webhook);

/** AWS guidance for SQS event sources: a visibility timeout of at least 6× the function timeout. */
module.exports.visibilityTimeout = async ({ resolveConfigurationProperty }) => {
  const timeout = Number(await resolveConfigurationProperty(["custom", "afsync", "workerTimeout"]));
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 900)
    throw new Error("iam-from-config: custom.afsync.workerTimeout must be 1–900 seconds");
  return 6 * timeout;
};

/** The bundles carry only the adapters the config names (see awsDeployFacts' esbuildDefine). */
module.exports.esbuildDefine = async ({ resolveConfigurationProperty }) => ({
  ...(await readFacts(resolveConfigurationProperty)).esbuildDefine,
});
