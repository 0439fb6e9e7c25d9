import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SSMClient } from "@aws-sdk/client-ssm";
import { type AwsClientOptions, awsClientConfig } from "./awsClientConfig.ts";

export type { AwsClientOptions } from "./awsClientConfig.ts";

/** A Secrets Manager client honouring `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL`. */
export function createSecretsManagerClient(options: AwsClientOptions, env: NodeJS.ProcessEnv): SecretsManagerClient {
  return new SecretsManagerClient(awsClientConfig(options, env, "SECRETS_MANAGER"));
}

/** An SSM client honouring `AWS_ENDPOINT_URL_SSM` / `AWS_ENDPOINT_URL`. */
export function createSsmClient(options: AwsClientOptions, env: NodeJS.ProcessEnv): SSMClient {
  return new SSMClient(awsClientConfig(options, env, "SSM"));
}
