import { ConfigError } from "@afsync/core";

/**
 * Leaving adapter types out of a function bundle. `process.env.AFSYNC_BUNDLE_OMITS_*` are
 * build-time constants, not settings: a function bundle built for one config has esbuild `define`
 * them as "1" for every type that config does not name (`adapterOmissionDefines`), which drops
 * that adapter's imports, and so its code and SDK, from the bundle (a bundle's size is most of its
 * cold start: V8 parses all of it). Run unbundled they are unset and every adapter is there.
 *
 * Each registry (`adapterFactoryLoaders`, `optionSchemaLoaders`, `sourceNamingLoaders`) tests the
 * constant literally at each entry: esbuild folds only a literal `"1" === "1"`, not a value
 * imported from another module. They are separate modules so a function imports only the
 * registry it uses: a producer's bundle then holds no source client and no SDK it never calls.
 */
export const SOURCE_TYPES = ["local", "aws-secrets-manager", "aws-ssm", "azure-key-vault", "gcp-secret-manager", "vault"] as const;
export const TARGET_TYPES = [
  "airflow-api",
  "airflow-settings",
  "astro-env-vars",
  "astro-environment",
  "env-file",
  "local-filesystem",
] as const;

/**
 * The state store types a bundle may leave out: the SQLite store (and the run lock over its file)
 * is the CLI's; the in-memory and target-held stores are always there.
 */
export const OMISSIBLE_STATE_TYPES = ["sqlite"] as const;

/** What a bundle leaves out by type. */
export type OmissibleKind = "source" | "target" | "state";

/**
 * The build-time constant that leaves a type out of a bundle (see above), e.g.
 * `process.env.AFSYNC_BUNDLE_OMITS_SOURCE_GCP_SECRET_MANAGER`.
 */
export function omissionConstant(kind: OmissibleKind, type: string): string {
  return `process.env.AFSYNC_BUNDLE_OMITS_${kind.toUpperCase()}_${type.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** A registry entry: a loader, marked when the bundle was built without its type. */
export type BundledLoader<T> = (() => Promise<T>) & { readonly notBundled?: true };

/** The loader of a type the bundle was built without: it says so, and what to do. */
export function notBundled(kind: OmissibleKind, type: string): (() => Promise<never>) & { readonly notBundled: true } {
  return Object.assign(
    async () => {
      throw new ConfigError("", notBundledMessage(kind, type));
    },
    { notBundled: true as const },
  );
}

export function notBundledMessage(kind: OmissibleKind, type: string): string {
  return `${kind} type '${type}' is not in this function bundle: it was built for a config that does not name it (deploy the function with the config that does)`;
}

/**
 * A `ConfigError` at `path` (the config's `type` option) when `loaders` (a registry of this
 * bundle) marks the type as left out; nothing when the type is here or unknown (the caller
 * reports an unknown type).
 */
export function assertInBundle(
  loaders: Readonly<Record<string, { readonly notBundled?: true }>>,
  kind: "source" | "target",
  type: string,
  path: string,
): void {
  if (Object.hasOwn(loaders, type) && loaders[type]?.notBundled === true) throw new ConfigError(path, notBundledMessage(kind, type));
}

/** The types a registry holds in this bundle. */
export function bundledTypes(loaders: Readonly<Record<string, { readonly notBundled?: true }>>): string[] {
  return Object.entries(loaders)
    .filter(([, load]) => load.notBundled !== true)
    .map(([type]) => type);
}

/**
 * The esbuild `define`s that build a function bundle with only the adapters `config` names
 * (see above), and without the SQLite state store unless it is the config's. A config without a
 * `state` (a partial one) keeps every state store.
 */
export function adapterOmissionDefines(config: {
  readonly sources: readonly { readonly type: string }[];
  readonly deployments: readonly { readonly target: { readonly type: string } }[];
  readonly state?: { readonly type: string };
}): Record<string, string> {
  const sources = new Set(config.sources.map((s) => s.type));
  const targets = new Set(config.deployments.map((d) => d.target.type));
  const state = config.state?.type;
  return Object.fromEntries([
    ...SOURCE_TYPES.filter((t) => !sources.has(t)).map((t) => [omissionConstant("source", t), '"1"']),
    ...TARGET_TYPES.filter((t) => !targets.has(t)).map((t) => [omissionConstant("target", t), '"1"']),
    ...OMISSIBLE_STATE_TYPES.filter((t) => state !== undefined && state !== t).map((t) => [omissionConstant("state", t), '"1"']),
  ]);
}
