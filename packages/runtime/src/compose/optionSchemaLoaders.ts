import type { OptionsRegistry } from "@afsync/core/config/parseConfig";
import type { $ZodType } from "zod/v4/core";
import { assertInBundle, type BundledLoader, bundledTypes, notBundled } from "./bundleOmission.ts";

/**
 * The option schema of each source and target type, loaded on first use: what validating a config
 * needs, and no more. Where a package keeps its schema apart from its client (the AWS sources'
 * `awsSourceOptions`, Key Vault's and Secret Manager's) only the schema module loads, so
 * validating a config evaluates no provider SDK (and the function bundles' strict config side
 * file carries none); the others come from their factory module. The schemas are the factories'
 * own (a test checks each is the same object).
 */
export const sourceOptionSchemaLoaders: Readonly<Record<string, BundledLoader<$ZodType>>> = {
  local:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_LOCAL === "1"
      ? notBundled("source", "local")
      : async () => (await import("@afsync/local/source/localSourceFactory")).localSourceFactory.schema,
  "aws-secrets-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1"
      ? notBundled("source", "aws-secrets-manager")
      : async () => (await import("@afsync/aws/awsSourceOptions")).secretsManagerSourceOptionsSchema,
  "aws-ssm":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
      ? notBundled("source", "aws-ssm")
      : async () => (await import("@afsync/aws/awsSourceOptions")).ssmSourceOptionsSchema,
  "azure-key-vault":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AZURE_KEY_VAULT === "1"
      ? notBundled("source", "azure-key-vault")
      : async () => (await import("@afsync/azure/azureKeyVaultSourceOptions")).azureKeyVaultSourceOptionsSchema,
  "gcp-secret-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER === "1"
      ? notBundled("source", "gcp-secret-manager")
      : async () => (await import("@afsync/gcp/gcpSourceOptions")).gcpSourceOptionsSchema,
  vault:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_VAULT === "1"
      ? notBundled("source", "vault")
      : async () => (await import("@afsync/vault/vaultSourceFactory")).vaultSourceFactory.schema,
};

export const targetOptionSchemaLoaders: Readonly<Record<string, BundledLoader<$ZodType>>> = {
  "airflow-api":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_API === "1"
      ? notBundled("target", "airflow-api")
      : async () => (await import("@afsync/airflow-api/airflowApiTargetFactory")).airflowApiTargetFactory.schema,
  "airflow-settings":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_SETTINGS === "1"
      ? notBundled("target", "airflow-settings")
      : async () => (await import("@afsync/local/targets/airflowSettingsTargetFactory")).airflowSettingsTargetFactory.schema,
  "astro-env-vars":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ASTRO_ENV_VARS === "1"
      ? notBundled("target", "astro-env-vars")
      : async () => (await import("@afsync/astro/astroEnvVarsTargetFactory")).astroEnvVarsTargetFactory.schema,
  "astro-environment":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ASTRO_ENVIRONMENT === "1"
      ? notBundled("target", "astro-environment")
      : async () => (await import("@afsync/astro/astroEnvironmentTargetFactory")).astroEnvironmentTargetFactory.schema,
  "env-file":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_ENV_FILE === "1"
      ? notBundled("target", "env-file")
      : async () => (await import("@afsync/local/targets/envFileTargetFactory")).envFileTargetFactory.schema,
  "local-filesystem":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_LOCAL_FILESYSTEM === "1"
      ? notBundled("target", "local-filesystem")
      : async () => (await import("@afsync/local/targets/localFilesystemTargetFactory")).localFilesystemTargetFactory.schema,
};

/**
 * The option schemas `parseConfig` needs for this (not yet validated) config: only the types it
 * names are loaded. When it names a type nobody registered, every schema is loaded, so the error
 * lists all the types there are, exactly as with the full registry.
 */
export async function loadOptionsRegistry(input: unknown): Promise<OptionsRegistry> {
  const named = namedTypes(input);
  const unknown =
    [...named.sources].some((t) => !Object.hasOwn(sourceOptionSchemaLoaders, t)) ||
    [...named.targets].some((t) => !Object.hasOwn(targetOptionSchemaLoaders, t));
  // Listing every type for an unknown one: every type this bundle holds.
  const sourceTypes = unknown ? bundledTypes(sourceOptionSchemaLoaders) : [...named.sources];
  const targetTypes = unknown ? bundledTypes(targetOptionSchemaLoaders) : [...named.targets];
  for (const type of named.sources) assertInBundle(sourceOptionSchemaLoaders, "source", type, "");
  for (const type of named.targets) assertInBundle(targetOptionSchemaLoaders, "target", type, "");
  const schemas = async (types: string[], loaders: Readonly<Record<string, BundledLoader<$ZodType>>>) => {
    const loaded = await Promise.all(types.map((type) => (Object.hasOwn(loaders, type) ? loaders[type]?.() : undefined)));
    const entries: [string, $ZodType][] = [];
    for (const [i, schema] of loaded.entries()) {
      const type = types[i];
      if (schema !== undefined && type !== undefined) entries.push([type, schema]);
    }
    return Object.fromEntries(entries);
  };
  return { sources: await schemas(sourceTypes, sourceOptionSchemaLoaders), targets: await schemas(targetTypes, targetOptionSchemaLoaders) };
}

/** The `type` strings under `sources.*` and `deployments.*.target`, read defensively (unvalidated input). */
function namedTypes(input: unknown): { sources: Set<string>; targets: Set<string> } {
  const sources = new Set<string>();
  const targets = new Set<string>();
  const entries = (value: unknown): unknown[] =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? Object.values(value) : [];
  const typeOf = (value: unknown): string | undefined =>
    typeof value === "object" && value !== null && "type" in value && typeof value.type === "string" ? value.type : undefined;
  const root = typeof input === "object" && input !== null ? (input as { sources?: unknown; deployments?: unknown }) : {};
  for (const source of entries(root.sources)) {
    const type = typeOf(source);
    if (type !== undefined) sources.add(type);
  }
  for (const deployment of entries(root.deployments)) {
    const target = typeof deployment === "object" && deployment !== null && "target" in deployment ? deployment.target : undefined;
    const type = typeOf(target);
    if (type !== undefined) targets.add(type);
  }
  return { sources, targets };
}
