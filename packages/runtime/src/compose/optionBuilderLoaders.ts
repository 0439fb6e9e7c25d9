import type { AirflowApiTargetOptions } from "@afsync/airflow-api/airflowApiTargetFactory";
import type { SecretsManagerSourceOptions, SsmSourceOptions } from "@afsync/aws/awsSourceOptions";
import type { AzureKeyVaultSourceOptions } from "@afsync/azure/azureKeyVaultSourceOptions";
import type { GcpSourceOptions } from "@afsync/gcp/gcpSourceOptions";
import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";
import { type BundledLoader, notBundled } from "./bundleOmission.ts";

/**
 * For the adapter types a function bundle carries, the builder its factory calls once its schema
 * has parsed the options (`awsSourcesFromOptions`, `airflowApiTargetFromOptions`, ...), behind a
 * dynamic import of a module that neither imports zod nor builds a schema. A bundle's embedded
 * config was parsed by these very schemas when it was packaged (`bundledConfig`), so its options
 * are already their output; building from them skips zod's loading, the schemas' construction and
 * their first parse at cold start (about a tenth of the Lambda worker's, measured), and nothing
 * else: the builders still read and check the credentials' environment variables. Any other
 * config goes through the factories, which parse first (`loadSourceCreate`). Types without a
 * builder here (the local and Vault sources, the local and Astro targets) always do.
 *
 * Each entry tests its bundle-omission constant literally, as the other registries do (`bundleOmission`).
 */
export const sourceBuilderLoaders: Readonly<Record<string, BundledLoader<SourceFactory["create"]>>> = {
  "aws-secrets-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1"
      ? notBundled("source", "aws-secrets-manager")
      : async () => {
          const { secretsManagerSourceFromOptions } = await import("@afsync/aws/awsSourcesFromOptions");
          return (options, ctx) => secretsManagerSourceFromOptions(options as SecretsManagerSourceOptions, ctx);
        },
  "aws-ssm":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
      ? notBundled("source", "aws-ssm")
      : async () => {
          const { ssmSourceFromOptions } = await import("@afsync/aws/awsSourcesFromOptions");
          return (options, ctx) => ssmSourceFromOptions(options as SsmSourceOptions, ctx);
        },
  "azure-key-vault":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AZURE_KEY_VAULT === "1"
      ? notBundled("source", "azure-key-vault")
      : async () => {
          const { azureKeyVaultSourceFromOptions } = await import("@afsync/azure/azureKeyVaultSourceFromOptions");
          return (options, ctx) => azureKeyVaultSourceFromOptions(options as AzureKeyVaultSourceOptions, ctx);
        },
  "gcp-secret-manager":
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER === "1"
      ? notBundled("source", "gcp-secret-manager")
      : async () => {
          const { gcpSecretManagerSourceFromOptions } = await import("@afsync/gcp/gcpSecretManagerSourceFromOptions");
          return (options, ctx) => gcpSecretManagerSourceFromOptions(options as GcpSourceOptions, ctx);
        },
};

export const targetBuilderLoaders: Readonly<Record<string, BundledLoader<TargetFactory["create"]>>> = {
  "airflow-api":
    process.env.AFSYNC_BUNDLE_OMITS_TARGET_AIRFLOW_API === "1"
      ? notBundled("target", "airflow-api")
      : async () => {
          const { airflowApiTargetFromOptions } = await import("@afsync/airflow-api/airflowApiTargetFromOptions");
          return (options, ctx) => airflowApiTargetFromOptions(options as AirflowApiTargetOptions, ctx);
        },
};
