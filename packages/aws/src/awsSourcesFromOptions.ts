import { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
// Types only: this module must not evaluate the option schemas (see below).
import type { AwsFactoryContext } from "./awsSourceFactory.ts";
import type { SecretsManagerSourceOptions, SsmSourceOptions } from "./awsSourceOptions.ts";
import { backendKwargsOf } from "./backendKwargsOf.ts";
import { createSecretsManagerClient, createSsmClient } from "./createAwsClient.ts";
import { SecretsManagerSource } from "./SecretsManagerSource.ts";
import { SsmParameterSource } from "./SsmParameterSource.ts";

/**
 * The AWS sources built from options their schema already parsed (defaults applied). The
 * factories (`awsSourceFactory`) parse, then call these; a function bundle whose config was
 * validated when it was packaged calls them directly, so its cold start neither loads zod nor
 * builds the schemas (`optionBuilderLoaders`).
 */
export function secretsManagerSourceFromOptions(o: SecretsManagerSourceOptions, ctx: AwsFactoryContext): SecretsManagerSource {
  const kwargs = backendKwargsOf(o);
  return new SecretsManagerSource(
    ctx.id,
    createSecretsManagerClient(o, ctx.env),
    new BackendSecretNaming("aws-secrets-manager", kwargs),
    kwargs,
  );
}

export function ssmSourceFromOptions(o: SsmSourceOptions, ctx: AwsFactoryContext): SsmParameterSource {
  return new SsmParameterSource(ctx.id, createSsmClient(o, ctx.env), new BackendSecretNaming("aws-ssm", backendKwargsOf(o)));
}
