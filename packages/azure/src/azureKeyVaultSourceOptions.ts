// zod/mini: these options are validated on a function's cold start (see @afsync/core/config/zodMini).
import * as z from "@afsync/core/config/zodMini";

// Airflow's backends take a prefix of null to mean "never look this kind up".
const prefix = z.nullable(z.string());

const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));

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
  .strictObject({
    // https://<vault>.vault.azure.net/ (Airflow's vault_url)
    vault_url: z.url({ protocol: /^https?$/ }),
    connections_prefix: z._default(prefix, "airflow-connections"),
    variables_prefix: z._default(prefix, "airflow-variables"),
    config_prefix: z._default(prefix, "airflow-config"),
    sep: z._default(z.string().check(z.length(1, "must be a single character (Key Vault names allow 0-9, a-z, A-Z and -)")), "-"),
    multi_team: z._default(z.boolean(), false),
    team_name: z.optional(z.string().check(z.minLength(1))),
    keys: z._default(z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1))), {}),
    /** Identifiers, not secrets: passed to the credential chain. */
    tenant_id: z.optional(z.string()),
    client_id: z.optional(z.string()),
    managed_identity_client_id: z.optional(z.string()),
    workload_identity_tenant_id: z.optional(z.string()),
    /** With tenant_id and client_id: the environment variable holding the client secret. */
    client_secret_env: z.optional(envName),
    // Declared only to refuse it with a message that says what to do instead.
    client_secret: z.optional(z.unknown()),
  })
  .check(
    z.superRefine((o, ctx) => {
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
    }),
  );

export type AzureKeyVaultSourceOptions = z.infer<typeof azureKeyVaultSourceOptionsSchema>;

// In a module of its own, so the source can be built without evaluating the schema above.
export { backendKwargsOf } from "./backendKwargsOf.ts";
