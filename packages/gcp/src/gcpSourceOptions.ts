// zod/mini: these options are validated on a function's cold start (see @afsync/core/config/zodMini).
import * as z from "@afsync/core/config/zodMini";

// Airflow's backends take a prefix of null to mean "never look this kind up".
const prefix = z.nullable(z.string());
const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"));
// Secret Manager's rule for a secret id, which Airflow checks for connections_prefix + sep at start-up.
const SECRET_ID_CHARS = /^[a-zA-Z0-9_-]*$/;
const INLINE_CREDENTIALS =
  "credentials are never written in afsync.yaml: put the key file's JSON in an environment variable and name it with gcp_keyfile_dict_env, point gcp_key_path at the file, or use Application Default Credentials";

/**
 * `gcp-secret-manager` options: `CloudSecretManagerBackend`'s backend_kwargs, so a Deployment's
 * `[secrets] backend_kwargs` can be pasted as is, minus inline credentials. Airflow's
 * `gcp_keyfile_dict` holds the private key itself; afsync takes it only by reference
 * (`gcp_keyfile_dict_env`). Without any, Application Default Credentials apply.
 */
export const gcpSourceOptionsSchema = z
  .strictObject({
    connections_prefix: z._default(prefix, "airflow-connections"),
    variables_prefix: z._default(prefix, "airflow-variables"),
    config_prefix: z._default(prefix, "airflow-config"),
    sep: z._default(z.string(), "-"),
    /** Project to read; otherwise the key file's `project_id`, then GOOGLE_CLOUD_PROJECT / GCLOUD_PROJECT. */
    project_id: z.optional(
      z.string().check(z.regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a project id (6–30 lower-case letters, digits, hyphens)")),
    ),
    /** afsync's own: the project's number, which notifications name instead of the id. */
    project_number: z.optional(z.string().check(z.regex(/^\d+$/, "must be the project number (digits only)"))),
    /** A service account key file (relative to afsync.yaml). */
    gcp_key_path: z.optional(z.string().check(z.minLength(1))),
    /** afsync's own: the environment variable holding the key file's JSON (Airflow's gcp_keyfile_dict, by reference). */
    gcp_keyfile_dict_env: z.optional(envName),
    gcp_keyfile_dict: z.optional(z.unknown().check(z.refine(() => false, { message: INLINE_CREDENTIALS }))),
    /** Comma-separated OAuth2 scopes, as Airflow takes them. */
    gcp_scopes: z.optional(z.string()),
    /** afsync's own: `host[:port]` of the Secret Manager endpoint (a regional endpoint; a local emulator on loopback). */
    api_endpoint: z.optional(z.string().check(z.regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, "must be host[:port]"))),
  })
  .check(
    z.superRefine((o, ctx) => {
      if (o.gcp_key_path !== undefined && o.gcp_keyfile_dict_env !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["gcp_keyfile_dict_env"],
          message: "gcp_key_path and gcp_keyfile_dict_env are mutually exclusive",
        });
      }
      // CloudSecretManagerBackend.__init__ raises on this and looks nothing up.
      if (o.connections_prefix !== null && !SECRET_ID_CHARS.test(o.connections_prefix + o.sep)) {
        ctx.addIssue({
          code: "custom",
          path: ["sep"],
          message: "connections_prefix + sep must match ^[a-zA-Z0-9-_]*$ (Airflow's backend refuses to start otherwise)",
        });
      }
    }),
  );

export type GcpSourceOptions = z.infer<typeof gcpSourceOptionsSchema>;

// In a module of its own, so the source can be built without evaluating the schema above.
export { gcpBackendKwargsOf } from "./gcpBackendKwargsOf.ts";
