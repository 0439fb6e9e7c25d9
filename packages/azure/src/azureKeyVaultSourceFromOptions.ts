import { AzureKeyVaultSource } from "./AzureKeyVaultSource.ts";
import { AzureSecretNaming } from "./AzureSecretNaming.ts";
// Types only: this module must not evaluate the option schema (see below).
import type { AzureFactoryContext } from "./azureKeyVaultSourceFactory.ts";
import type { AzureKeyVaultSourceOptions } from "./azureKeyVaultSourceOptions.ts";
import { backendKwargsOf } from "./backendKwargsOf.ts";
import { createAzureKeyVaultClient } from "./createAzureKeyVaultClient.ts";

/**
 * The Key Vault source built from options its schema already parsed (defaults applied). The
 * factory (`azureKeyVaultSourceFactory`) parses, then calls this; a function bundle whose config
 * was validated when it was packaged calls it directly, so its cold start neither loads zod nor
 * builds the schema (`optionBuilderLoaders`).
 */
export function azureKeyVaultSourceFromOptions(o: AzureKeyVaultSourceOptions, ctx: AzureFactoryContext): AzureKeyVaultSource {
  const naming = new AzureSecretNaming(backendKwargsOf(o), o.keys);
  const { client, throttle } = createAzureKeyVaultClient(o, ctx.env, ctx.azure);
  return new AzureKeyVaultSource(ctx.id, {
    client,
    naming,
    throttle,
    ...(ctx.knownKeys === undefined ? {} : { knownKeys: ctx.knownKeys }),
    ...(ctx.logger === undefined ? {} : { logger: ctx.logger }),
  });
}
