import type { Logger } from "@afsync/core";
import { AzureKeyVaultSource, type KnownKeys } from "./AzureKeyVaultSource.ts";
import { AzureSecretNaming } from "./AzureSecretNaming.ts";
import { azureKeyVaultSourceOptionsSchema, backendKwargsOf } from "./azureKeyVaultSourceOptions.ts";
import { type AzureClientOverrides, createAzureKeyVaultClient } from "./createAzureKeyVaultClient.ts";

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
  const o = azureKeyVaultSourceOptionsSchema.parse(options);
  const kwargs = backendKwargsOf(o);
  const naming = new AzureSecretNaming(kwargs, o.keys);
  const { client, throttle } = createAzureKeyVaultClient(o, ctx.env, ctx.azure);
  return new AzureKeyVaultSource(ctx.id, {
    client,
    naming,
    throttle,
    ...(ctx.knownKeys === undefined ? {} : { knownKeys: ctx.knownKeys }),
    ...(ctx.logger === undefined ? {} : { logger: ctx.logger }),
  });
}

/** Registry entry for `packages/cli/src/compose/sourceFactories.ts`. */
export const azureKeyVaultSourceFactory = { schema: azureKeyVaultSourceOptionsSchema, create: createAzureKeyVaultSource };
