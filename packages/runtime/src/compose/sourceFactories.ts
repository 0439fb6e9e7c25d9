import { awsSecretsManagerSourceFactory, awsSsmSourceFactory } from "@afsync/aws/awsSourceFactory";
import { azureKeyVaultSourceFactory } from "@afsync/azure/azureKeyVaultSourceFactory";
import { gcpSecretManagerSourceFactory } from "@afsync/gcp/gcpSourceFactory";
import { localSourceFactory } from "@afsync/local/source/localSourceFactory";
import { vaultSourceFactory } from "@afsync/vault/vaultSourceFactory";
import type { SourceFactory } from "./AdapterFactory.ts";

export type { FactoryContext, SourceFactory } from "./AdapterFactory.ts";

/**
 * Every source type afsync.yaml may name, `type → factory`. Each adapter package adds one line
 * here, importing its own factory, e.g.
 *   import { localSourceFactory } from "@afsync/local/source/localSourceFactory";
 *   local: localSourceFactory,
 */
export const sourceFactories: Record<string, SourceFactory> = {
  local: localSourceFactory,
  "aws-secrets-manager": awsSecretsManagerSourceFactory,
  "aws-ssm": awsSsmSourceFactory,
  "azure-key-vault": azureKeyVaultSourceFactory,
  "gcp-secret-manager": gcpSecretManagerSourceFactory,
  vault: vaultSourceFactory,
};
