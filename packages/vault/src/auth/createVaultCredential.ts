import { readFile } from "node:fs/promises";
import { ConfigError } from "@afsync/core";
import type { VaultCredential } from "../VaultTokenSession.ts";
import type { VaultSourceOptions } from "../vaultSourceOptions.ts";
import { awsIamLoginBody } from "./awsIamLoginBody.ts";
import { azureManagedIdentityToken } from "./azureManagedIdentityToken.ts";
import { gcpSignedJwt } from "./gcpSignedJwt.ts";

export interface CredentialContext {
  readonly env: NodeJS.ProcessEnv;
  /** Resolves a relative `*_path` option against the config file's directory. */
  readonly resolvePath: (path: string) => string;
  readonly now: () => number;
}

/**
 * How the source obtains a token for its `auth_type`. Secrets come from environment variables or
 * files named in the options (read when logging in, so a rotated file is picked up), never from
 * the options themselves. Default mounts are each method's own name, as in the `vault` CLI.
 */
export function createVaultCredential(o: VaultSourceOptions, ctx: CredentialContext): VaultCredential {
  const fromEnv = (name: string, option: string) => async () => {
    const v = ctx.env[name];
    if (v === undefined || v === "") throw new ConfigError(option, `environment variable ${name} is not set`);
    return v;
  };
  const fromFile = (path: string) => async () => (await readFile(ctx.resolvePath(path), "utf8")).trim();
  const login = (method: string, defaultMount: string, body: () => Promise<Record<string, unknown>>): VaultCredential => ({
    kind: "login",
    method,
    mount: o.auth_mount_point ?? defaultMount,
    body,
  });
  switch (o.auth_type) {
    case "token": {
      if (o.token_path) return { kind: "static", describe: `token_path ${o.token_path}`, read: fromFile(o.token_path) };
      const name = o.token_env ?? "VAULT_TOKEN";
      return { kind: "static", describe: `$${name}`, read: fromEnv(name, o.token_env ? "token_env" : "VAULT_TOKEN") };
    }
    case "approle": {
      const secretId = o.secret_id_path ? fromFile(o.secret_id_path) : fromEnv(o.secret_id_env ?? "", "secret_id_env");
      return login("approle", "approle", async () => ({ role_id: o.role_id, secret_id: await secretId() }));
    }
    case "kubernetes": {
      const jwt = fromFile(o.kubernetes_jwt_path);
      return login("kubernetes", "kubernetes", async () => ({ role: o.kubernetes_role, jwt: await jwt() }));
    }
    case "jwt": {
      const jwt = o.jwt_token_path ? fromFile(o.jwt_token_path) : fromEnv(o.jwt_token_env ?? "", "jwt_token_env");
      return login("jwt", "jwt", async () => ({ role: o.jwt_role, jwt: await jwt() }));
    }
    case "aws_iam":
      return login("aws_iam", "aws", () =>
        awsIamLoginBody({ role: o.role_id ?? "", region: o.region, serverIdHeader: o.iam_server_id_header_value, env: ctx.env }),
      );
    case "azure":
      return login("azure", "azure", async () => ({
        role: o.role_id,
        jwt: await azureManagedIdentityToken(o.azure_resource ?? "https://management.azure.com/", ctx.env),
        ...(o.azure_subscription_id ? { subscription_id: o.azure_subscription_id } : {}),
        ...(o.azure_resource_group_name ? { resource_group_name: o.azure_resource_group_name } : {}),
        ...(o.azure_vm_name ? { vm_name: o.azure_vm_name } : {}),
        ...(o.azure_vmss_name ? { vmss_name: o.azure_vmss_name } : {}),
      }));
    case "gcp":
      return login("gcp", "gcp", async () => ({
        role: o.role_id,
        jwt: await gcpSignedJwt({
          role: o.role_id ?? "",
          serviceAccount: o.gcp_service_account,
          iamCredentialsUrl: o.gcp_iam_credentials_url,
          env: ctx.env,
          now: ctx.now,
        }),
      }));
    default:
      // The schema refuses every other auth_type; this keeps a new one from slipping through silently.
      throw new ConfigError("auth_type", `unsupported auth_type '${o.auth_type}'`);
  }
}
