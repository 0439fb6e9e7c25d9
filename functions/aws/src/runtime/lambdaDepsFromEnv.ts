import { createSecretsManagerClient } from "@afsync/aws/createAwsClient";
import type { Clock, Logger } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { buildRuntime } from "@afsync/runtime/compose/buildRuntime";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { once } from "@afsync/runtime/compose/once";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SqsSyncQueue } from "../queue/SqsSyncQueue.ts";
import type { LoadLambdaDeps } from "./LambdaDeps.ts";
import { loadLambdaConfig } from "./loadLambdaConfig.ts";
import { resolveSecretEnv } from "./resolveSecretEnv.ts";

export const QUEUE_URL_ENV = "AFSYNC_QUEUE_URL";
export const HINT_QUEUE_URL_ENV = "AFSYNC_HINT_QUEUE_URL";
export const DEFAULT_WEBHOOK_SECRET_ENV = "AFSYNC_WEBHOOK_SECRET";

/**
 * The worker's composition root: env → secrets → config → runtime (sources, targets, engine) →
 * queue, built on the first invocation of a container and reused by the warm ones. The producers
 * build less (`producerDepsFromEnv`); this one's result serves them too. Tests call it with their
 * own env object (emulator endpoints, fake credentials) instead of touching process.env.
 */
export function lambdaDepsFromEnv(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadLambdaDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const runtime = await buildRuntime(start.config, { env: start.resolvedEnv, configDir: start.configDir, logger: start.logger });
    start.logger.log("info", "cold start: runtime built", {
      deployments: runtime.bindings.map((b) => b.id),
      sources: [...runtime.sources.keys()],
    });
    return { ...start.deps, bindings: runtime.bindings, sources: runtime.sources, engine: runtime.engine };
  });
}

export interface ColdStartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/**
 * What every function does first: the logger, the deploy-time secrets into a copy of the env
 * (`AFSYNC_ENV_FROM_SECRETS`), the bundled config, the queue and the webhook secret.
 */
export async function coldStart(env: NodeJS.ProcessEnv, options: ColdStartOptions) {
  const logger = options.logger ?? defaultLogger(env);
  const resolvedEnv = await resolveSecretEnv(env, () => createSecretsManagerClient({}, env));
  const { config, configDir } = await loadLambdaConfig(resolvedEnv);
  const queue = queueFromEnv(resolvedEnv, env);
  const deps = {
    queue,
    hintQueue: hintQueueFromEnv(resolvedEnv, env) ?? queue,
    logger,
    clock: options.clock ?? systemClock,
    webhookSecret: webhookSecretOf(config, resolvedEnv),
  };
  return { logger, resolvedEnv, config, configDir, deps };
}

export function defaultLogger(env: NodeJS.ProcessEnv): Logger {
  return createJsonLineLogger({ base: { fn: env.AWS_LAMBDA_FUNCTION_NAME ?? "local" } });
}

export function queueFromEnv(resolvedEnv: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): SqsSyncQueue {
  const queueUrl = resolvedEnv[QUEUE_URL_ENV];
  if (queueUrl === undefined || queueUrl === "")
    throw new Error(`${QUEUE_URL_ENV} is not set (serverless.yml sets it to the FIFO queue's URL)`);
  return new SqsSyncQueue(new SQSClient(sqsClientConfig(env)), queueUrl);
}

/** The standard hint queue, when the deployment has one (serverless.yml does; a test may not). */
export function hintQueueFromEnv(resolvedEnv: NodeJS.ProcessEnv, env: NodeJS.ProcessEnv): SqsSyncQueue | undefined {
  const queueUrl = resolvedEnv[HINT_QUEUE_URL_ENV];
  if (queueUrl === undefined || queueUrl === "") return undefined;
  return new SqsSyncQueue(new SQSClient(sqsClientConfig(env)), queueUrl, "standard");
}

export function webhookSecretOf(config: AfsyncConfig, resolvedEnv: NodeJS.ProcessEnv): string | undefined {
  return resolvedEnv[config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV];
}

/**
 * SQS client settings from the given env rather than process.env (as the AWS sources do), so a
 * test's emulator endpoint and fake credentials reach the client. In Lambda these are the
 * runtime's own variables (the role's session credentials), what the SDK would pick up itself.
 */
export function sqsClientConfig(env: NodeJS.ProcessEnv) {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const endpoint = env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  return {
    ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}
