import type { Logger } from "@afsync/core";
import type { AzureKeyVaultSource, KnownKeys } from "./AzureKeyVaultSource.ts";
import { azureKeyVaultSourceFromOptions } from "./azureKeyVaultSourceFromOptions.ts";
import { azureKeyVaultSourceOptionsSchema } from "./azureKeyVaultSourceOptions.ts";
import type { AzureClientOverrides } from "./createAzureKeyVaultClient.ts";

/** What the composition root hands a factory (a structural subset of the CLI's FactoryContext). */
export interface AzureFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  /** The keys the Deployments already hold, to tell Key Vault's lossy spellings apart. */
  readonly knownKeys?: KnownKeys;
  /** Tests only: a credential and CA for the emulator. */
  readonly azure?: AzureClientOverrides;
}

export function createAzureKeyVaultSource(options: unknown, ctx: AzureFactoryContext): AzureKeyVaultSource {
  return azureKeyVaultSourceFromOptions(azureKeyVaultSourceOptionsSchema.parse(options), ctx);
}

/** Registry entry for `packages/cli/src/compose/sourceFactories.ts`. */
export const azureKeyVaultSourceFactory = { schema: azureKeyVaultSourceOptionsSchema, create: createAzureKeyVaultSource };
