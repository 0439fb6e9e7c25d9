import type { SourceNaming } from "@afsync/core/ports/SecretSource";
import type { FactoryContext, SourceFactory } from "./AdapterFactory.ts";
import { type BundledLoader, notBundled } from "./bundleOmission.ts";

/** Builds a source's naming rules from its options as parseConfig validated them (`SourceConfig.options`). */
export type SourceNamingFactory = (options: unknown, ctx: FactoryContext) => Promise<SourceNaming> | SourceNaming;

/**
 * What the producer functions route events with, per source type: its naming rules. The AWS
 * sources have a client-free naming module (`@afsync/aws/awsSourceNaming`), so a producer's
 * bundle and cold start carry neither the Secrets Manager nor the SSM SDK; every other type is
 * routed through its full source (built by its factory, as `buildSources` does), its naming
 * being tied to its client (Key Vault's lossy names ask the vault).
 */
export const sourceNamingLoaders: Readonly<Record<string, BundledLoader<SourceNamingFactory>>> = {
  local:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_LOCAL === "1"
      ? notBundled("source", "local")
      : async () => viaSource((await import("@afsync/local/source/localSourceFactory")).localSourceFactory),
  "aws-secrets-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1"
      ? notBundled("source", "aws-secrets-manager")
      : async () => (await import("@afsync/aws/awsSourceNaming")).secretsManagerSourceNaming,
  "aws-ssm":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
      ? notBundled("source", "aws-ssm")
      : async () => (await import("@afsync/aws/awsSourceNaming")).ssmSourceNaming,
  "azure-key-vault":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AZURE_KEY_VAULT === "1"
      ? notBundled("source", "azure-key-vault")
      : async () => viaSource((await import("@afsync/azure/azureKeyVaultSourceFactory")).azureKeyVaultSourceFactory),
  "gcp-secret-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER === "1"
      ? notBundled("source", "gcp-secret-manager")
      : async () => viaSource((await import("@afsync/gcp/gcpSourceFactory")).gcpSecretManagerSourceFactory),
  vault:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_VAULT === "1"
      ? notBundled("source", "vault")
      : async () => viaSource((await import("@afsync/vault/vaultSourceFactory")).vaultSourceFactory),
};

/** The full source as its own naming (it is one, structurally). */
function viaSource(factory: SourceFactory): SourceNamingFactory {
  return (options, ctx) => factory.create(options, ctx);
}
