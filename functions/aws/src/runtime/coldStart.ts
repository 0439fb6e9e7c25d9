import type { Clock, Logger } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { ownSideFileError } from "@afsync/runtime/bundle/ownSideFileError";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { loadLambdaConfig } from "./loadLambdaConfig.ts";
import { queueUrlsFromEnv } from "./queueUrlsFromEnv.ts";
import { mapsSecrets } from "./resolveSecretEnv.ts";

export const DEFAULT_WEBHOOK_SECRET_ENV = "AFSYNC_WEBHOOK_SECRET";

export interface ColdStartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /**
   * Where the reader of `AFSYNC_ENV_FROM_SECRETS` comes from, loaded only when the mapping names a
   * secret: by default a file beside the Lambda bundle (`secretEnvReaderEntry`); the functions that
   * read secrets on every cold start pass the one in their bundle (`secretEnvReaderInTheBundle`).
   */
  readonly loadSecretEnvReader?: () => Promise<SecretEnvReader>;
}

export interface SecretEnvReader {
  secretEnvFromSecretsManager(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv>;
}

/**
 * What every function does first: the logger, the deploy-time secrets into a copy of the env
 * (`AFSYNC_ENV_FROM_SECRETS`; the Secrets Manager SDK is loaded only when that maps something,
 * with the reader `options.loadSecretEnvReader` names), the bundled config, the queue URLs and
 * the webhook secret. It imports no SDK, source, target or
 * engine: each composition root adds what its function calls (`producerDepsFromEnv`,
 * `lambdaDepsFromEnv`).
 */
export async function coldStart(env: NodeJS.ProcessEnv, options: ColdStartOptions) {
  const logger = options.logger ?? defaultLogger(env);
  const resolvedEnv = mapsSecrets(env) ? await readSecretEnv(env, options.loadSecretEnvReader ?? readerBesideTheBundle) : { ...env };
  const { config, configDir } = await loadLambdaConfig(resolvedEnv);
  const queueUrls = queueUrlsFromEnv(resolvedEnv);
  const deps = {
    logger,
    clock: options.clock ?? systemClock,
    webhookSecret: webhookSecretOf(config, resolvedEnv),
  };
  return { logger, resolvedEnv, config, configDir, queueUrls, deps };
}

const readerBesideTheBundle = (): Promise<SecretEnvReader> => import("./secretEnvReaderEntry.ts");

async function readSecretEnv(env: NodeJS.ProcessEnv, load: () => Promise<SecretEnvReader>): Promise<NodeJS.ProcessEnv> {
  try {
    return await (await load()).secretEnvFromSecretsManager(env);
  } catch (error) {
    // A side file's RemoteCallError is its own copy of the class (`ownSideFileError`).
    throw ownSideFileError(error);
  }
}

export function defaultLogger(env: NodeJS.ProcessEnv): Logger {
  return createJsonLineLogger({ base: { fn: env.AWS_LAMBDA_FUNCTION_NAME ?? "local" } });
}

export function webhookSecretOf(config: AfsyncConfig, resolvedEnv: NodeJS.ProcessEnv): string | undefined {
  return resolvedEnv[config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV];
}
