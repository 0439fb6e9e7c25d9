import { z } from "zod";

// Airflow's backends take a prefix of null to mean "never look this kind up".
const prefix = z.string().nullable();
const pattern = z
  .string()
  .nullable()
  .refine(
    (p) => {
      if (p === null) return true;
      try {
        new RegExp(p, "i");
        return true;
      } catch {
        return false;
      }
    },
    { message: "must be a regular expression (Airflow applies it with re.match, case-insensitive)" },
  );

/** Options every AWS source takes besides the backend's naming kwargs: where and how to connect. */
const connection = {
  /** Region; otherwise AWS_REGION / AWS_DEFAULT_REGION. */
  region_name: z.string().min(1).optional(),
  /** A named profile of the shared config files (the SDK's default chain otherwise). */
  profile_name: z.string().min(1).optional(),
  /** An endpoint override; otherwise AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL. */
  endpoint_url: z.url().optional(),
  /** The Airflow connection the backend would use for credentials: accepted, credentials come from the SDK chain. */
  aws_conn_id: z.string().nullable().optional(),
  role_arn: z.string().optional(),
};

/**
 * `aws-secrets-manager` options: `SecretsManagerBackend`'s backend_kwargs, so a Deployment's
 * `[secrets] backend_kwargs` can be pasted as is. `full_url_mode` and
 * `are_secret_values_urlencoded` are accepted for old configs; the value's form is detected.
 */
export const secretsManagerSourceOptionsSchema = z.strictObject({
  connections_prefix: prefix.default("airflow/connections"),
  variables_prefix: prefix.default("airflow/variables"),
  config_prefix: prefix.default("airflow/config"),
  connections_lookup_pattern: pattern.default(null),
  variables_lookup_pattern: pattern.default(null),
  config_lookup_pattern: pattern.default(null),
  sep: z.string().min(1).default("/"),
  extra_conn_words: z.record(z.string(), z.array(z.string())).nullable().default(null),
  full_url_mode: z.boolean().optional(),
  are_secret_values_urlencoded: z.boolean().optional(),
  ...connection,
});

/** `aws-ssm` options: `SystemsManagerParameterStoreBackend`'s backend_kwargs (no `sep`: always `/`). */
export const ssmSourceOptionsSchema = z.strictObject({
  connections_prefix: prefix.default("/airflow/connections"),
  variables_prefix: prefix.default("/airflow/variables"),
  config_prefix: prefix.default("/airflow/config"),
  connections_lookup_pattern: pattern.default(null),
  variables_lookup_pattern: pattern.default(null),
  config_lookup_pattern: pattern.default(null),
  ...connection,
});

export type SecretsManagerSourceOptions = z.infer<typeof secretsManagerSourceOptionsSchema>;
export type SsmSourceOptions = z.infer<typeof ssmSourceOptionsSchema>;

/** The naming kwargs only, as `backendNaming` and `parseConnectionValue` take them. */
export function backendKwargsOf(options: SecretsManagerSourceOptions | SsmSourceOptions): Record<string, unknown> {
  const { region_name: _r, profile_name: _p, endpoint_url: _e, aws_conn_id: _c, role_arn: _a, ...kwargs } = options;
  return kwargs;
}
