import { z } from "zod";

/** The auth types this source can log in with (the Lambda, Azure and GCP workers use their cloud identity). */
export const SUPPORTED_AUTH_TYPES = ["token", "approle", "kubernetes", "aws_iam", "azure", "gcp", "jwt"] as const;
export type VaultAuthType = (typeof SUPPORTED_AUTH_TYPES)[number];

// `_VaultClient.VALID_AUTH_TYPES` of the hashicorp provider: known to Airflow but not logged in with here.
const AIRFLOW_ONLY_AUTH_TYPES = new Set(["github", "ldap", "radius", "userpass"]);

// Airflow's paths are `None` to mean "never look this kind up", and are `.rstrip("/")`-ed.
const basePath = z.string().nullable();
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/**
 * An Airflow kwarg that carries a credential inline. afsync.yaml is config, not a secret store,
 * so each is refused with the reference to use instead.
 */
function inlineCredential(instead: string) {
  return z
    .unknown()
    .optional()
    .refine((v) => v === undefined, { message: `credentials never go inline in afsync.yaml: use ${instead}` });
}

/**
 * `vault` options: the hashicorp provider's `VaultBackend` backend_kwargs (so a Deployment's
 * `[secrets] backend_kwargs` pastes in, minus inline credentials), plus `*_env`/`*_path`
 * references for those credentials. `url`, `namespace` and the token fall back to `VAULT_ADDR`,
 * `VAULT_NAMESPACE` and `VAULT_TOKEN` as the `vault` CLI does; `VAULT_CACERT` names a CA bundle.
 */
export const vaultSourceOptionsSchema = z
  .strictObject({
    url: z.url().optional(),
    namespace: z.string().min(1).optional(),
    mount_point: z.string().nullable().default("secret"),
    connections_path: basePath.default("connections"),
    variables_path: basePath.default("variables"),
    config_path: basePath.default("config"),
    kv_engine_version: z
      .union([z.literal(1), z.literal(2), z.literal("1"), z.literal("2")])
      .transform(Number)
      .default(2),
    auth_type: z.string().default("token"),
    // afsync only (not an Airflow kwarg): how `afsync serve` learns of changes. `websocket`
    // subscribes to Vault's event notifications (Enterprise 1.16+); off by default because
    // Community Edition has no events API and the schedule's metadata-first reads cover it.
    events: z.enum(["off", "websocket"]).default("off"),
    auth_mount_point: z.string().min(1).optional(),
    // Multi-team (Airflow 3.3.1+ with [core] multi_team): `{base}/{team}/{key}` first, then global.
    multi_team: z.boolean().optional(),
    team_name: z.string().min(1).optional(),
    use_team_secrets_path: z.boolean().optional(),
    global_secrets_path: z.string().nullable().optional(),
    // token
    token_env: envName.optional(),
    token_path: z.string().min(1).optional(),
    // approle (role_id also names the role for aws_iam, azure and gcp, as in Airflow)
    role_id: z.string().min(1).optional(),
    secret_id_env: envName.optional(),
    secret_id_path: z.string().min(1).optional(),
    // kubernetes
    kubernetes_role: z.string().min(1).optional(),
    kubernetes_jwt_path: z.string().min(1).default("/var/run/secrets/kubernetes.io/serviceaccount/token"),
    // jwt
    jwt_role: z.string().min(1).optional(),
    jwt_token_path: z.string().min(1).optional(),
    jwt_token_env: envName.optional(),
    // aws_iam: credentials from the AWS SDK's default chain (the Lambda's role)
    region: z.string().min(1).optional(),
    iam_server_id_header_value: z.string().min(1).optional(),
    // azure: a managed identity token for azure_resource
    azure_resource: z.string().min(1).optional(),
    azure_tenant_id: z.string().optional(),
    azure_subscription_id: z.string().min(1).optional(),
    azure_resource_group_name: z.string().min(1).optional(),
    azure_vm_name: z.string().min(1).optional(),
    azure_vmss_name: z.string().min(1).optional(),
    // gcp: a JWT signed by the runtime's service account (IAM Credentials signJwt)
    gcp_scopes: z.string().optional(),
    gcp_service_account: z.string().min(1).optional(),
    /** IAM Credentials API endpoint override (private service connect, tests); the metadata server is GCE_METADATA_HOST. */
    gcp_iam_credentials_url: z.url().optional(),
    // Inline credentials Airflow accepts and afsync refuses.
    token: inlineCredential("token_env (default VAULT_TOKEN) or token_path"),
    secret_id: inlineCredential("secret_id_env or secret_id_path"),
    jwt_token: inlineCredential("jwt_token_env or jwt_token_path"),
    password: inlineCredential("another auth_type (userpass/ldap are not supported)"),
    key_id: inlineCredential("the AWS SDK's credential chain (aws_iam) or a managed identity (azure)"),
    gcp_keyfile_dict: inlineCredential("the runtime's service account (gcp)"),
  })
  .superRefine((o, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const supported = SUPPORTED_AUTH_TYPES.join(", ");
    if (AIRFLOW_ONLY_AUTH_TYPES.has(o.auth_type)) {
      issue("auth_type", `auth_type '${o.auth_type}' is one Airflow knows but afsync does not log in with; supported: ${supported}`);
      return;
    }
    if (!(SUPPORTED_AUTH_TYPES as readonly string[]).includes(o.auth_type)) {
      issue("auth_type", `unknown auth_type '${o.auth_type}'; supported: ${supported}`);
      return;
    }
    if (o.auth_type === "approle" && !o.role_id) issue("role_id", "auth_type approle needs role_id");
    if (o.auth_type === "approle" && !o.secret_id_env && !o.secret_id_path)
      issue("secret_id_env", "auth_type approle needs secret_id_env or secret_id_path");
    if (o.auth_type === "kubernetes" && !o.kubernetes_role) issue("kubernetes_role", "auth_type kubernetes needs kubernetes_role");
    if (o.auth_type === "jwt" && !o.jwt_role) issue("jwt_role", "auth_type jwt needs jwt_role");
    if (o.auth_type === "jwt" && !o.jwt_token_path && !o.jwt_token_env)
      issue("jwt_token_path", "auth_type jwt needs jwt_token_path or jwt_token_env");
    if (o.auth_type === "azure" && !o.role_id) issue("role_id", "auth_type azure needs role_id (the Vault role)");
    if (o.auth_type === "gcp" && !o.role_id) issue("role_id", "auth_type gcp needs role_id (the Vault role)");
    if (o.auth_type === "aws_iam" && !o.role_id) issue("role_id", "auth_type aws_iam needs role_id (the Vault role)");
  });

export type VaultSourceOptions = z.infer<typeof vaultSourceOptionsSchema>;

/** The naming kwargs only, as core's `backendNaming` takes them. */
export function vaultNamingKwargs(o: VaultSourceOptions): Record<string, unknown> {
  const kwargs: Record<string, unknown> = {
    mount_point: o.mount_point,
    connections_path: o.connections_path,
    variables_path: o.variables_path,
    config_path: o.config_path,
    kv_engine_version: o.kv_engine_version,
  };
  if (o.multi_team === true && o.use_team_secrets_path !== false) {
    kwargs.multi_team = true;
    if (o.team_name !== undefined) kwargs.team_name = o.team_name;
    if (o.global_secrets_path !== undefined) kwargs.global_secrets_path = o.global_secrets_path;
  }
  return kwargs;
}
