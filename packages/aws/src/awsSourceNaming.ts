import type { SecretIdMapping, SourceNaming } from "@afsync/core/ports/SecretSource";
import { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
import type { SecretsManagerSourceOptions, SsmSourceOptions } from "./awsSourceOptions.ts";
import { backendKwargsOf } from "./backendKwargsOf.ts";
import { secretNameOf } from "./secretName.ts";

/**
 * The AWS sources' naming rules without their SDK clients: what the producer functions (events,
 * webhook, reconcile, coalesce) route with. This module imports no `@aws-sdk/*` package and no
 * schema: it takes the options as `parseConfig` returned them (validated by the source's own
 * schema, defaults filled in: `AfsyncConfig`'s `options`), so a producer's cold start evaluates
 * neither the Secrets Manager or SSM SDK nor zod. The sources map ids through the same functions
 * (`secretsManagerKeysFor`, `ssmKeysFor`).
 */
export function secretsManagerSourceNaming(options: unknown, ctx: { readonly id: string }): SourceNaming {
  const naming = new BackendSecretNaming("aws-secrets-manager", backendKwargsOf(options as SecretsManagerSourceOptions));
  return {
    id: ctx.id,
    provider: "aws-secrets-manager",
    secretIdFor: (key) => naming.secretIdFor(key),
    keysFor: (secretId) => secretsManagerKeysFor(naming, secretId),
  };
}

export function ssmSourceNaming(options: unknown, ctx: { readonly id: string }): SourceNaming {
  const naming = new BackendSecretNaming("aws-ssm", backendKwargsOf(options as SsmSourceOptions));
  return {
    id: ctx.id,
    provider: "aws-ssm",
    secretIdFor: (key) => naming.secretIdFor(key),
    keysFor: (secretId) => ssmKeysFor(naming, secretId),
  };
}

/** Events name a secret by name, full ARN or partial ARN: everything afsync keys on is the name. */
export function secretsManagerKeysFor(naming: BackendSecretNaming, secretId: string): SecretIdMapping {
  return naming.keysFor(secretNameOf(secretId));
}

const PARAMETER_ARN = /^arn:aws[a-z-]*:ssm:[^:]*:[^:]*:parameter\//;

/** Events name the parameter; an ARN folds the leading slash, which hierarchical names have. */
export function ssmKeysFor(naming: BackendSecretNaming, secretId: string): SecretIdMapping {
  return naming.keysFor(PARAMETER_ARN.test(secretId) ? `/${secretId.replace(PARAMETER_ARN, "")}` : secretId);
}
