import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";
import { assertInBundle, notBundled } from "./bundleOmission.ts";
import { sourceBuilderLoaders, targetBuilderLoaders } from "./optionBuilderLoaders.ts";

// Callers that validate a config or build a bundle use these; they live apart so that importing
// them does not bring every factory (and so every SDK) into a bundle.
export { adapterOmissionDefines, omissionConstant } from "./bundleOmission.ts";
export { loadOptionsRegistry } from "./optionSchemaLoaders.ts";

/**
 * The same registries as `sourceFactories` / `targetFactories`, each entry behind a dynamic
 * import, so a host loads (and evaluates) only the adapters its config names: a Lambda reading
 * Secrets Manager never runs the Google, Azure or Vault client modules at cold start. The
 * function hosts and `buildSources` / `buildRuntime` use these; a test checks that both
 * registries hold the same types and factories.
 *
 * `process.env.AFSYNC_BUNDLE_OMITS_*` leave a type out of a function bundle (`bundleOmission`).
 */
export const sourceFactoryLoaders: Readonly<Record<string, SourceFactoryLoader>> = {
  local:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_LOCAL === "1"
      ? notBundled("source", "local")
      : async () => (await import("@afsync/local/source/localSourceFactory")).localSourceFactory,
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
  vault:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_VAULT === "1"
      ? notBundled("source", "vault")
      : async () => (await import("@afsync/vault/vaultSourceFactory")).vaultSourceFactory,
};

export const targetFactoryLoaders: Readonly<Record<string, TargetFactoryLoader>> = {
  "airflow-api":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_API === "1"
      ? notBundled("target", "airflow-api")
      : async () => (await import("@afsync/airflow-api/airflowApiTargetFactory")).airflowApiTargetFactory,
  "airflow-settings":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_SETTINGS === "1"
      ? notBundled("target", "airflow-settings")
      : async () => (await import("@afsync/local/targets/airflowSettingsTargetFactory")).airflowSettingsTargetFactory,
  "astro-env-vars":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ASTRO_ENV_VARS === "1"
      ? notBundled("target", "astro-env-vars")
      : async () => (await import("@afsync/astro/astroEnvVarsTargetFactory")).astroEnvVarsTargetFactory,
  "astro-environment":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ASTRO_ENVIRONMENT === "1"
      ? notBundled("target", "astro-environment")
      : async () => (await import("@afsync/astro/astroEnvironmentTargetFactory")).astroEnvironmentTargetFactory,
  "env-file":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ENV_FILE === "1"
      ? notBundled("target", "env-file")
      : async () => (await import("@afsync/local/targets/envFileTargetFactory")).envFileTargetFactory,
  "local-filesystem":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_LOCAL_FILESYSTEM === "1"
      ? notBundled("target", "local-filesystem")
      : async () => (await import("@afsync/local/targets/localFilesystemTargetFactory")).localFilesystemTargetFactory,
};

type SourceFactoryLoader = (() => Promise<SourceFactory>) & { readonly notBundled?: true };
type TargetFactoryLoader = (() => Promise<TargetFactory>) & { readonly notBundled?: true };

/**
 * A `ConfigError` at `path` (the config's `type` option) when this bundle was built without the
 * type; nothing when the type is here or unknown (the caller reports an unknown type).
 */
export function assertBundled(kind: "source" | "target", type: string, path: string): void {
  assertInBundle(kind === "source" ? sourceFactoryLoaders : targetFactoryLoaders, kind, type, path);
}

/** The source factory registered for `type`, loaded on first use; undefined for an unknown type. */
export async function loadSourceFactory(type: string): Promise<SourceFactory | undefined> {
  return Object.hasOwn(sourceFactoryLoaders, type) ? await sourceFactoryLoaders[type]?.() : undefined;
}

export async function loadTargetFactory(type: string): Promise<TargetFactory | undefined> {
  return Object.hasOwn(targetFactoryLoaders, type) ? await targetFactoryLoaders[type]?.() : undefined;
}

/**
 * How to build a source of `type`: when `optionsParsed` (the config embedded in a function bundle,
 * whose options its schemas already parsed at packaging) and the type has one, the builder that
 * skips the schema (`optionBuilderLoaders`); otherwise the factory, which parses the options
 * first. Undefined for an unknown type.
 */
export async function loadSourceCreate(type: string, optionsParsed: boolean): Promise<SourceFactory["create"] | undefined> {
  if (optionsParsed && Object.hasOwn(sourceBuilderLoaders, type)) return sourceBuilderLoaders[type]?.();
  const factory = await loadSourceFactory(type);
  return factory === undefined ? undefined : (options, ctx) => factory.create(options, ctx);
}

export async function loadTargetCreate(type: string, optionsParsed: boolean): Promise<TargetFactory["create"] | undefined> {
  if (optionsParsed && Object.hasOwn(targetBuilderLoaders, type)) return targetBuilderLoaders[type]?.();
  const factory = await loadTargetFactory(type);
  return factory === undefined ? undefined : (options, ctx) => factory.create(options, ctx);
}
