// zod/mini: these options are validated on a Lambda's cold start (see @afsync/core/config/zodMini).
import * as z from "@afsync/core/config/zodMini";

// Airflow's backends take a prefix of null to mean "never look this kind up".
const prefix = z.nullable(z.string());
const pattern = z.nullable(z.string()).check(
  z.refine(
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
  ),
);

/** Options every AWS source takes besides the backend's naming kwargs: where and how to connect. */
const connection = {
  /** Region; otherwise AWS_REGION / AWS_DEFAULT_REGION. */
  region_name: z.optional(z.string().check(z.minLength(1))),
  /** A named profile of the shared config files (the SDK's default chain otherwise). */
  profile_name: z.optional(z.string().check(z.minLength(1))),
  /** An endpoint override; otherwise AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL. */
  endpoint_url: z.optional(z.url()),
  /** The Airflow connection the backend would use for credentials: accepted, credentials come from the SDK chain. */
  aws_conn_id: z.optional(z.nullable(z.string())),
  role_arn: z.optional(z.string()),
};

/**
 * `aws-secrets-manager` options: `SecretsManagerBackend`'s backend_kwargs, so a Deployment's
 * `[secrets] backend_kwargs` can be pasted as is. `full_url_mode` and
 * `are_secret_values_urlencoded` are accepted for old configs; the value's form is detected.
 */
export const secretsManagerSourceOptionsSchema = z.strictObject({
  connections_prefix: z._default(prefix, "airflow/connections"),
  variables_prefix: z._default(prefix, "airflow/variables"),
  config_prefix: z._default(prefix, "airflow/config"),
  connections_lookup_pattern: z._default(pattern, null),
  variables_lookup_pattern: z._default(pattern, null),
  config_lookup_pattern: z._default(pattern, null),
  sep: z._default(z.string().check(z.minLength(1)), "/"),
  extra_conn_words: z._default(z.nullable(z.record(z.string(), z.array(z.string()))), null),
  full_url_mode: z.optional(z.boolean()),
  are_secret_values_urlencoded: z.optional(z.boolean()),
  ...connection,
});

/** `aws-ssm` options: `SystemsManagerParameterStoreBackend`'s backend_kwargs (no `sep`: always `/`). */
export const ssmSourceOptionsSchema = z.strictObject({
  connections_prefix: z._default(prefix, "/airflow/connections"),
  variables_prefix: z._default(prefix, "/airflow/variables"),
  config_prefix: z._default(prefix, "/airflow/config"),
  connections_lookup_pattern: z._default(pattern, null),
  variables_lookup_pattern: z._default(pattern, null),
  config_lookup_pattern: z._default(pattern, null),
  ...connection,
});

export type SecretsManagerSourceOptions = z.infer<typeof secretsManagerSourceOptionsSchema>;
export type SsmSourceOptions = z.infer<typeof ssmSourceOptionsSchema>;
