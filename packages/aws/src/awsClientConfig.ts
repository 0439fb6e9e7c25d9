// Type only: this module loads no SDK, so a caller can build the settings before (or without)
// loading a client's SDK module (the Lambda cold start loads Secrets Manager's only when needed).
import type { SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";

export interface AwsClientOptions {
  readonly region_name?: string | undefined;
  readonly profile_name?: string | undefined;
  readonly endpoint_url?: string | undefined;
}

/** Retries: the SDK's standard strategy (exponential backoff with jitter, throttling-aware). */
const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Client settings from the options and the given environment. The SDK would read
 * `process.env` itself; reading `env` here instead keeps a composition root (or a test) in control
 * of which environment applies. Credentials: static keys when the env holds them, else the SDK's
 * default chain (profile, SSO, web identity, container and instance roles).
 */
export function awsClientConfig(options: AwsClientOptions, env: NodeJS.ProcessEnv, serviceEnvSuffix: string): SecretsManagerClientConfig {
  const region = options.region_name ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const endpoint = options.endpoint_url ?? env[`AWS_ENDPOINT_URL_${serviceEnvSuffix}`] ?? env.AWS_ENDPOINT_URL;
  const maxAttempts = Number(env.AWS_MAX_ATTEMPTS ?? DEFAULT_MAX_ATTEMPTS);
  const config: SecretsManagerClientConfig = {
    retryMode: env.AWS_RETRY_MODE === "adaptive" ? "adaptive" : "standard",
    maxAttempts: Number.isInteger(maxAttempts) && maxAttempts > 0 ? maxAttempts : DEFAULT_MAX_ATTEMPTS,
  };
  if (region) config.region = region;
  if (endpoint) config.endpoint = endpoint;
  if (options.profile_name) config.profile = options.profile_name;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey && !options.profile_name) {
    config.credentials = { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  }
  return config;
}
