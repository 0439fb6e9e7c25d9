import { z } from "zod";

// Airflow's backends take a prefix of null to mean "never look this kind up".
const prefix = z.string().nullable();

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/**
 * `azure-key-vault` options: `AzureKeyVaultBackend`'s backend_kwargs
 * (providers/microsoft/azure/.../secrets/key_vault.py), so a Deployment's `[secrets]
 * backend_kwargs` can be pasted as is, minus `client_secret` (use `client_secret_env`).
 *
 * - `multi_team` / `team_name`: the newest provider's multi-team lookup, where a team's secret
 *   `<prefix><sep><team>--<key>` is tried before the global one.
 * - `keys`: the explicit map for Key Vault's lossy naming (`_` becomes `sep`): secret name →
 *   the Airflow id it holds, e.g. `airflow-connections-my-db: my_db`.
 */
export const azureKeyVaultSourceOptionsSchema = z
  .object({
    vault_url: z.url({ protocol: /^https?$/ }).describe("https://<vault>.vault.azure.net/ (Airflow's vault_url)"),
    connections_prefix: prefix.default("airflow-connections"),
    variables_prefix: prefix.default("airflow-variables"),
    config_prefix: prefix.default("airflow-config"),
    sep: z.string().length(1, "must be a single character (Key Vault names allow 0-9, a-z, A-Z and -)").default("-"),
    multi_team: z.boolean().default(false),
    team_name: z.string().min(1).optional(),
    keys: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Identifiers, not secrets: passed to the credential chain. */
    tenant_id: z.string().optional(),
    client_id: z.string().optional(),
    managed_identity_client_id: z.string().optional(),
    workload_identity_tenant_id: z.string().optional(),
    /** With tenant_id and client_id: the environment variable holding the client secret. */
    client_secret_env: envName.optional(),
    // Declared only to refuse it with a message that says what to do instead.
    client_secret: z.unknown().optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.client_secret !== undefined)
      ctx.addIssue({
        code: "custom",
        path: ["client_secret"],
        message:
          "credentials are never written in the config: put the secret in an environment variable and name it with client_secret_env",
      });
    if (o.client_secret_env !== undefined && (o.tenant_id === undefined || o.client_id === undefined)) {
      ctx.addIssue({ code: "custom", path: ["client_secret_env"], message: "needs tenant_id and client_id" });
    }
    if (o.team_name !== undefined && !o.multi_team) {
      ctx.addIssue({ code: "custom", path: ["team_name"], message: "applies only with multi_team: true" });
    }
  });

export type AzureKeyVaultSourceOptions = z.infer<typeof azureKeyVaultSourceOptionsSchema>;

/** The naming kwargs only, as `backendNaming` takes them. */
export function backendKwargsOf(options: AzureKeyVaultSourceOptions): Record<string, unknown> {
  const { connections_prefix, variables_prefix, config_prefix, sep, multi_team, team_name } = options;
  return { connections_prefix, variables_prefix, config_prefix, sep, multi_team, ...(team_name === undefined ? {} : { team_name }) };
}
