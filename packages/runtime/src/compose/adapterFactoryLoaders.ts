import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";
import { notBundled } from "./bundleOmission.ts";
import { factoryOnlySourceLoaders, factoryOnlyTargetLoaders } from "./factoryOnlyLoaders.ts";

// Callers that validate a config or build a bundle use these; they live apart so that importing
// them does not bring every factory (and so every SDK) into a bundle.
export { assertBundled, loadSourceCreate, loadTargetCreate } from "./adapterCreateLoaders.ts";
export { adapterOmissionDefines, omissionConstant } from "./bundleOmission.ts";
export { loadOptionsRegistry } from "./optionSchemaLoaders.ts";

/**
 * The same registries as `sourceFactories` / `targetFactories`, each entry behind a dynamic
 * import, so a host loads (and evaluates) only the adapters its config names: a Lambda reading
 * Secrets Manager never runs the Google, Azure or Vault client modules at cold start. A test
 * checks that both registries hold the same types and factories.
 *
 * The composition roots (`buildSources`, `buildRuntime`) do not use these: they build each type
 * that has a zod-free builder from options parsed once, and load a factory only for the others
 * (`adapterCreateLoaders`), so that a function bundle carries no option schema and no zod. The
 * types without a builder are listed once, in `factoryOnlyLoaders`.
 *
 * `process.env.AFSYNC_BUNDLE_OMITS_*` leave a type out of a function bundle (`bundleOmission`).
 */
export const sourceFactoryLoaders: Readonly<Record<string, SourceFactoryLoader>> = {
  ...factoryOnlySourceLoaders,
  "aws-secrets-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1"
      ? notBundled("source", "aws-secrets-manager")
      : async () => (await import("@afsync/aws/awsSourceFactory")).awsSecretsManagerSourceFactory,
  "aws-ssm":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
      ? notBundled("source", "aws-ssm")
      : async () => (await import("@afsync/aws/awsSourceFactory")).awsSsmSourceFactory,
  "azure-key-vault":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AZURE_KEY_VAULT === "1"
      ? notBundled("source", "azure-key-vault")
      : async () => (await import("@afsync/azure/azureKeyVaultSourceFactory")).azureKeyVaultSourceFactory,
  "gcp-secret-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER === "1"
      ? notBundled("source", "gcp-secret-manager")
      : async () => (await import("@afsync/gcp/gcpSourceFactory")).gcpSecretManagerSourceFactory,
};

export const targetFactoryLoaders: Readonly<Record<string, TargetFactoryLoader>> = {
  ...factoryOnlyTargetLoaders,
  "airflow-api":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_API === "1"
      ? notBundled("target", "airflow-api")
      : async () => (await import("@afsync/airflow-api/airflowApiTargetFactory")).airflowApiTargetFactory,
};

type SourceFactoryLoader = (() => Promise<SourceFactory>) & { readonly notBundled?: true };
type TargetFactoryLoader = (() => Promise<TargetFactory>) & { readonly notBundled?: true };

/** The source factory registered for `type`, loaded on first use; undefined for an unknown type. */
export async function loadSourceFactory(type: string): Promise<SourceFactory | undefined> {
  return Object.hasOwn(sourceFactoryLoaders, type) ? await sourceFactoryLoaders[type]?.() : undefined;
}

export async function loadTargetFactory(type: string): Promise<TargetFactory | undefined> {
  return Object.hasOwn(targetFactoryLoaders, type) ? await targetFactoryLoaders[type]?.() : undefined;
}
