import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";
import { type BundledLoader, notBundled } from "./bundleOmission.ts";

/**
 * The factories of the adapter types that have no zod-free builder (`optionBuilderLoaders`): the
 * local and Vault sources, the local and Astro targets. Building one always parses its options
 * with its schema, so these are the only factories a host's composition root loads
 * (`adapterCreateLoaders`); the types with a builder are built from options parsed once, and their
 * factories (`adapterFactoryLoaders`) stay out of a function bundle with their schemas and zod.
 *
 * Each entry tests its bundle-omission constant literally, as the other registries do (`bundleOmission`).
 */
export const factoryOnlySourceLoaders: Readonly<Record<string, BundledLoader<SourceFactory>>> = {
  local:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_LOCAL === "1"
      ? notBundled("source", "local")
      : async () => (await import("@afsync/local/source/localSourceFactory")).localSourceFactory,
  vault:
    process.env.AFSYNC_BUNDLE_OMITS_SOURCE_VAULT === "1"
      ? notBundled("source", "vault")
      : async () => (await import("@afsync/vault/vaultSourceFactory")).vaultSourceFactory,
};

export const factoryOnlyTargetLoaders: Readonly<Record<string, BundledLoader<TargetFactory>>> = {
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
