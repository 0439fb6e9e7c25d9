import type { KeyString, Logger } from "@afsync/core";
import type { DeploymentTarget } from "@afsync/core/ports/DeploymentTarget";
import type { SecretSource } from "@afsync/core/ports/SecretSource";
import type { $ZodType } from "zod/v4/core";

/** What a factory gets besides its options: where relative paths start and where credentials live. */
export interface FactoryContext {
  /** The source or Deployment id from afsync.yaml. */
  readonly id: string;
  /** Environment variables; options ending in `_env` name which ones hold credentials. */
  readonly env: NodeJS.ProcessEnv;
  /** Directory of the config file: relative paths in options resolve against it. */
  readonly configDir: string;
  readonly logger: Logger;
  /**
   * The keys the Deployments hold now (target entries and afsync's state). Sources whose naming
   * is lossy (Key Vault turns `_` into `-`) use it to tell a secret's spellings apart.
   */
  readonly knownKeys?: () => Promise<ReadonlySet<KeyString>>;
}

/**
 * How a source type is built from afsync.yaml. `schema` validates the options (the source's
 * entry minus `type`) and must reject unknown keys; `create` gets the parsed options.
 */
export interface SourceFactory {
  readonly schema: $ZodType;
  create(options: unknown, ctx: FactoryContext): Promise<SecretSource> | SecretSource;
}

/** How a target type is built from `deployments.<id>.target` (minus `type`). */
export interface TargetFactory {
  readonly schema: $ZodType;
  create(options: unknown, ctx: FactoryContext): Promise<DeploymentTarget> | DeploymentTarget;
}
