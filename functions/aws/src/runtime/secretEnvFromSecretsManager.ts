import { resolveSecretEnv } from "./resolveSecretEnv.ts";

/**
 * The env with `AFSYNC_ENV_FROM_SECRETS` read from Secrets Manager (`resolveSecretEnv`) through a
 * client built from the env's own settings. Only the Secrets Manager SDK: `createAwsClient` would
 * load SSM's too.
 */
export async function secretEnvFromSecretsManager(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  return resolveSecretEnv(env, async () => {
    const [{ SecretsManagerClient }, { awsClientConfig }] = await Promise.all([
      import("@aws-sdk/client-secrets-manager"),
      import("@afsync/aws/awsClientConfig"),
    ]);
    return new SecretsManagerClient(awsClientConfig({}, env, "SECRETS_MANAGER"));
  });
}
