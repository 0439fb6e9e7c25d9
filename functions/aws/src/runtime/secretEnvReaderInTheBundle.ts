import type { SecretEnvReader } from "./coldStart.ts";

/**
 * The `AFSYNC_ENV_FROM_SECRETS` reader kept in the bundle, for the functions whose deployment maps
 * secrets and so reads them on every cold start (worker, webhook, reconcile: serverless.yml).
 * `coldStart`'s default is the side file (`secretEnvReaderEntry`), which would carry its own copy
 * of the SDK's core and be parsed on each of their cold starts; only these handlers import this
 * module, so only their bundles hold the Secrets Manager client for it.
 */
export const secretEnvReaderInTheBundle = (): Promise<SecretEnvReader> => import("./secretEnvFromSecretsManager.ts");
