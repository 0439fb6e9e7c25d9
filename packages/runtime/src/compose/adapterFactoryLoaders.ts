import { ConfigError } from "@afsync/core";
import type { OptionsRegistry } from "@afsync/core/config/parseConfig";
import type { SourceNaming } from "@afsync/core/ports/SecretSource";
import type { $ZodType } from "zod/v4/core";
import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";

/**
 * The same registries as `sourceFactories` / `targetFactories`, each entry behind a dynamic
 * import, so a host loads (and evaluates) only the adapters its config names: a Lambda reading
 * Secrets Manager never runs the Google, Azure or Vault client modules at cold start. The
 * function hosts and `buildSources` / `buildRuntime` use these; a test checks that both
 * registries hold the same types and factories.
 *
 * `process.env.AFSYNC_BUNDLE_OMITS_*` are build-time constants, not settings: a function bundle
 * built for one config has esbuild `define` them as "1" for every type that config does not name
 * (`adapterOmissionDefines`), which drops that adapter's import, and so its code and SDK, from
 * the bundle (a bundle's size is most of its cold start: V8 parses all of it). Run unbundled
 * they are unset and every adapter is there.
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

/**
 * Source types whose naming rules load without their client (`SourceNaming`): the producer
 * functions route events with these and so never evaluate that provider's SDK. A type not listed
 * here is routed through its full source (`buildSourceNamings`).
 */
export const sourceNamingLoaders: Readonly<Record<string, () => Promise<SourceNamingFactory>>> = {
  ...(process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SECRETS_MANAGER === "1"
    ? {}
    : { "aws-secrets-manager": async () => (await import("@afsync/aws/awsSourceNaming")).secretsManagerSourceNaming }),
  ...(process.env.AFSYNC_BUNDLE_OMITS_SOURCE_AWS_SSM === "1"
    ? {}
    : { "aws-ssm": async () => (await import("@afsync/aws/awsSourceNaming")).ssmSourceNaming }),
};

export type SourceNamingFactory = (options: unknown, ctx: { readonly id: string }) => SourceNaming;

type SourceFactoryLoader = (() => Promise<SourceFactory>) & { readonly notBundled?: true };
type TargetFactoryLoader = (() => Promise<TargetFactory>) & { readonly notBundled?: true };

/**
 * The build-time constant that leaves a type out of a bundle (see above), e.g.
 * `process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER`.
 */
export function omissionConstant(kind: "source" | "target", type: string): string {
  return `process.env.AFSYNC_BUNDLE_OMITS_${kind.toUpperCase()}_${type.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The loader of a type the bundle was built without: it says so, and what to do. */
function notBundled(kind: "source" | "target", type: string): (() => Promise<never>) & { readonly notBundled: true } {
  return Object.assign(
    async () => {
      throw new ConfigError("", notBundledMessage(kind, type));
    },
    { notBundled: true as const },
  );
}

function notBundledMessage(kind: "source" | "target", type: string): string {
  return `${kind} type '${type}' is not in this function bundle: it was built for a config that does not name it (deploy the function with the config that does)`;
}

/**
 * A `ConfigError` at `path` (the config's `type` option) when this bundle was built without the
 * type; nothing when the type is here or unknown (the caller reports an unknown type).
 */
export function assertBundled(kind: "source" | "target", type: string, path: string): void {
  const loaders: Readonly<Record<string, { readonly notBundled?: true }>> = kind === "source" ? sourceFactoryLoaders : targetFactoryLoaders;
  if (Object.hasOwn(loaders, type) && loaders[type]?.notBundled === true) throw new ConfigError(path, notBundledMessage(kind, type));
}

/** The source factory registered for `type`, loaded on first use; undefined for an unknown type. */
export async function loadSourceFactory(type: string): Promise<SourceFactory | undefined> {
  return Object.hasOwn(sourceFactoryLoaders, type) ? await sourceFactoryLoaders[type]?.() : undefined;
}

export async function loadTargetFactory(type: string): Promise<TargetFactory | undefined> {
  return Object.hasOwn(targetFactoryLoaders, type) ? await targetFactoryLoaders[type]?.() : undefined;
}

/**
 * The option schemas `parseConfig` needs for this (not yet validated) config: only the types it
 * names are loaded. When it names a type nobody registered, every schema is loaded, so the error
 * lists all the types there are, exactly as with the full registry.
 */
export async function loadOptionsRegistry(input: unknown): Promise<OptionsRegistry> {
  const named = namedTypes(input);
  const unknown =
    [...named.sources].some((t) => !Object.hasOwn(sourceFactoryLoaders, t)) ||
    [...named.targets].some((t) => !Object.hasOwn(targetFactoryLoaders, t));
  // Listing every type for an unknown one: every type this bundle holds.
  const sourceTypes = unknown ? bundledTypes(sourceFactoryLoaders) : [...named.sources];
  const targetTypes = unknown ? bundledTypes(targetFactoryLoaders) : [...named.targets];
  for (const type of named.sources) assertBundled("source", type, "");
  for (const type of named.targets) assertBundled("target", type, "");
  const schemas = async (types: string[], load: (type: string) => Promise<SourceFactory | TargetFactory | undefined>) => {
    const entries: [string, $ZodType][] = [];
    const loaded = await Promise.all(types.map(load));
    for (const [i, factory] of loaded.entries()) {
      const type = types[i];
      if (factory !== undefined && type !== undefined) entries.push([type, factory.schema]);
    }
    return Object.fromEntries(entries);
  };
  return { sources: await schemas(sourceTypes, loadSourceFactory), targets: await schemas(targetTypes, loadTargetFactory) };
}

function bundledTypes(loaders: Readonly<Record<string, { readonly notBundled?: true }>>): string[] {
  return Object.entries(loaders)
    .filter(([, load]) => load.notBundled !== true)
    .map(([type]) => type);
}

/**
 * The esbuild `define`s that build a function bundle with only the adapters `config` names
 * (see `sourceFactoryLoaders`).
 */
export function adapterOmissionDefines(config: {
  readonly sources: readonly { readonly type: string }[];
  readonly deployments: readonly { readonly target: { readonly type: string } }[];
}): Record<string, string> {
  const sources = new Set(config.sources.map((s) => s.type));
  const targets = new Set(config.deployments.map((d) => d.target.type));
  return Object.fromEntries([
    ...Object.keys(sourceFactoryLoaders)
      .filter((t) => !sources.has(t))
      .map((t) => [omissionConstant("source", t), '"1"']),
    ...Object.keys(targetFactoryLoaders)
      .filter((t) => !targets.has(t))
      .map((t) => [omissionConstant("target", t), '"1"']),
  ]);
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
