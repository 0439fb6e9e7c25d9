import type { OptionsRegistry } from "@afsync/core/config/parseConfig";
import type { ZodType } from "zod";
import type { SourceFactory, TargetFactory } from "./AdapterFactory.ts";

/**
 * The same registries as `sourceFactories` / `targetFactories`, each entry behind a dynamic
 * import, so a host loads (and evaluates) only the adapters its config names: a Lambda reading
 * Secrets Manager never runs the Google, Azure or Vault client modules at cold start. The
 * function hosts and `buildSources` / `buildRuntime` use these; a test checks that both
 * registries hold the same types and factories.
 */
export const sourceFactoryLoaders: Readonly<Record<string, () => Promise<SourceFactory>>> = {
  local: async () => (await import("@afsync/local/source/localSourceFactory")).localSourceFactory,
  "aws-secrets-manager": async () => (await import("@afsync/aws/awsSourceFactory")).awsSecretsManagerSourceFactory,
  "aws-ssm": async () => (await import("@afsync/aws/awsSourceFactory")).awsSsmSourceFactory,
  "azure-key-vault": async () => (await import("@afsync/azure/azureKeyVaultSourceFactory")).azureKeyVaultSourceFactory,
  "gcp-secret-manager": async () => (await import("@afsync/gcp/gcpSourceFactory")).gcpSecretManagerSourceFactory,
  vault: async () => (await import("@afsync/vault/vaultSourceFactory")).vaultSourceFactory,
};

export const targetFactoryLoaders: Readonly<Record<string, () => Promise<TargetFactory>>> = {
  "airflow-api": async () => (await import("@afsync/airflow-api/airflowApiTargetFactory")).airflowApiTargetFactory,
  "airflow-settings": async () => (await import("@afsync/local/targets/airflowSettingsTargetFactory")).airflowSettingsTargetFactory,
  "astro-env-vars": async () => (await import("@afsync/astro/astroEnvVarsTargetFactory")).astroEnvVarsTargetFactory,
  "astro-environment": async () => (await import("@afsync/astro/astroEnvironmentTargetFactory")).astroEnvironmentTargetFactory,
  "env-file": async () => (await import("@afsync/local/targets/envFileTargetFactory")).envFileTargetFactory,
  "local-filesystem": async () => (await import("@afsync/local/targets/localFilesystemTargetFactory")).localFilesystemTargetFactory,
};

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
  const sourceTypes = unknown ? Object.keys(sourceFactoryLoaders) : [...named.sources];
  const targetTypes = unknown ? Object.keys(targetFactoryLoaders) : [...named.targets];
  const schemas = async (types: string[], load: (type: string) => Promise<SourceFactory | TargetFactory | undefined>) => {
    const entries: [string, ZodType][] = [];
    for (const [i, factory] of (await Promise.all(types.map(load))).entries()) {
      const type = types[i];
      if (factory !== undefined && type !== undefined) entries.push([type, factory.schema]);
    }
    return Object.fromEntries(entries);
  };
  return { sources: await schemas(sourceTypes, loadSourceFactory), targets: await schemas(targetTypes, loadTargetFactory) };
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
