import type { Clock, Logger } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { loadLambdaConfig } from "./loadLambdaConfig.ts";
import { queueUrlsFromEnv } from "./queueUrlsFromEnv.ts";
import { resolveSecretEnv } from "./resolveSecretEnv.ts";

export const DEFAULT_WEBHOOK_SECRET_ENV = "AFSYNC_WEBHOOK_SECRET";

export interface ColdStartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/**
 * What every function does first: the logger, the deploy-time secrets into a copy of the env
 * (`AFSYNC_ENV_FROM_SECRETS`; the Secrets Manager SDK is loaded only when that maps something),
 * the bundled config, the queue URLs and the webhook secret. It imports no SDK, source, target or
 * engine: each composition root adds what its function calls (`producerDepsFromEnv`,
 * `lambdaDepsFromEnv`).
 */
export async function coldStart(env: NodeJS.ProcessEnv, options: ColdStartOptions) {
  const logger = options.logger ?? defaultLogger(env);
  const resolvedEnv = await resolveSecretEnv(env, async () => {
    // Only the Secrets Manager SDK: `createAwsClient` would load SSM's too.
    const [{ SecretsManagerClient }, { awsClientConfig }] = await Promise.all([
      import("@aws-sdk/client-secrets-manager"),
      import("@afsync/aws/awsClientConfig"),
    ]);
    return new SecretsManagerClient(awsClientConfig({}, env, "SECRETS_MANAGER"));
  });
  const { config, configDir } = await loadLambdaConfig(resolvedEnv);
  const queueUrls = queueUrlsFromEnv(resolvedEnv);
  const deps = {
    logger,
    clock: options.clock ?? systemClock,
    webhookSecret: webhookSecretOf(config, resolvedEnv),
  };
  return { logger, resolvedEnv, config, configDir, queueUrls, deps };
}

export function defaultLogger(env: NodeJS.ProcessEnv): Logger {
  return createJsonLineLogger({ base: { fn: env.AWS_LAMBDA_FUNCTION_NAME ?? "local" } });
}

export function webhookSecretOf(config: AfsyncConfig, resolvedEnv: NodeJS.ProcessEnv): string | undefined {
  return resolvedEnv[config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV];
}
