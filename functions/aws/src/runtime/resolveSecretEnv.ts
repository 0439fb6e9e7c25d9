import { ConfigError, RemoteCallError } from "@afsync/core";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The config never holds credentials inline: options ending in `_env` name environment
 * variables. In Lambda those variables must not carry the secret either (anyone with
 * `lambda:GetFunctionConfiguration` could read them), so `AFSYNC_ENV_FROM_SECRETS` maps a
 * variable name to a Secrets Manager secret id, and this fills the variables once per cold start.
 *
 *   AFSYNC_ENV_FROM_SECRETS={"AFSYNC_HMAC_KEY":"afsync/hmac-key","AIRFLOW_TOKEN":"afsync/airflow-token"}
 *
 * Returns a new env object; `process.env` is left alone so nothing else can log the values.
 * `client` is asked for only when the mapping names a secret: the Secrets Manager SDK is then
 * loaded (a dynamic import), so a function that maps none (events, coalesce) never evaluates it
 * on its cold start (`mapsSecrets` tells, and `coldStart` loads the reader only then).
 */
export const ENV_FROM_SECRETS = "AFSYNC_ENV_FROM_SECRETS";

export async function resolveSecretEnv(
  env: NodeJS.ProcessEnv,
  client: () => SecretsManagerClient | Promise<SecretsManagerClient>,
): Promise<NodeJS.ProcessEnv> {
  const mapping = parseMapping(env[ENV_FROM_SECRETS]);
  if (mapping.length === 0) return { ...env };
  const [sm, { GetSecretValueCommand }] = await Promise.all([client(), import("@aws-sdk/client-secrets-manager")]);
  const resolved: NodeJS.ProcessEnv = { ...env };
  await Promise.all(
    mapping.map(async ([name, secretId]) => {
      try {
        const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
        if (out.SecretString === undefined) throw new Error("the secret has no SecretString (binary secrets are not supported)");
        resolved[name] = out.SecretString;
      } catch (error) {
        // Name the variable and the secret id, never the value.
        const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        // The SDK marks what the caller got wrong (missing secret, access denied) as a client fault;
        // anything else (network, throttling, 5xx) may pass on the next cold start.
        const fault = typeof error === "object" && error !== null && "$fault" in error ? error.$fault : undefined;
        throw new RemoteCallError(`${ENV_FROM_SECRETS}: reading secret ${secretId} for ${name} failed: ${why}`, {
          cause: error,
          errorClass: fault === "client" ? "user" : "transient",
        });
      }
    }),
  );
  return resolved;
}

/** Whether `AFSYNC_ENV_FROM_SECRETS` names a secret to read; a malformed mapping is a `ConfigError`. */
export function mapsSecrets(env: NodeJS.ProcessEnv): boolean {
  return parseMapping(env[ENV_FROM_SECRETS]).length > 0;
}

function parseMapping(raw: string | undefined): [string, string][] {
  if (raw === undefined || raw.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(ENV_FROM_SECRETS, 'must be a JSON object {"ENV_NAME": "secret-id", …}');
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ConfigError(ENV_FROM_SECRETS, 'must be a JSON object {"ENV_NAME": "secret-id", …}');
  }
  const pairs: [string, string][] = [];
  for (const [name, secretId] of Object.entries(json)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ConfigError(`${ENV_FROM_SECRETS}.${name}`, "is not a valid environment variable name");
    if (typeof secretId !== "string" || secretId === "")
      throw new ConfigError(`${ENV_FROM_SECRETS}.${name}`, "must be a secret id (string)");
    pairs.push([name, secretId]);
  }
  return pairs;
}
