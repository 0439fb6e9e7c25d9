import type { Logger } from "@afsync/core";
import { BackendSecretNaming } from "@afsync/core/source/BackendSecretNaming";
import { secretsManagerSourceOptionsSchema, ssmSourceOptionsSchema } from "./awsSourceOptions.ts";
import { backendKwargsOf } from "./backendKwargsOf.ts";
import { createSecretsManagerClient, createSsmClient } from "./createAwsClient.ts";
import { SecretsManagerSource } from "./SecretsManagerSource.ts";
import { SsmParameterSource } from "./SsmParameterSource.ts";

/** What the composition root hands a factory (a structural subset of the CLI's FactoryContext). */
export interface AwsFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export function createAwsSecretsManagerSource(options: unknown, ctx: AwsFactoryContext): SecretsManagerSource {
  const o = secretsManagerSourceOptionsSchema.parse(options);
  const kwargs = backendKwargsOf(o);
  return new SecretsManagerSource(
    ctx.id,
    createSecretsManagerClient(o, ctx.env),
    new BackendSecretNaming("aws-secrets-manager", kwargs),
    kwargs,
  );
}

export function createAwsSsmSource(options: unknown, ctx: AwsFactoryContext): SsmParameterSource {
  const o = ssmSourceOptionsSchema.parse(options);
  return new SsmParameterSource(ctx.id, createSsmClient(o, ctx.env), new BackendSecretNaming("aws-ssm", backendKwargsOf(o)));
}

/** Registry entries for `packages/runtime/src/compose/sourceFactories.ts`. */
export const awsSecretsManagerSourceFactory = { schema: secretsManagerSourceOptionsSchema, create: createAwsSecretsManagerSource };
export const awsSsmSourceFactory = { schema: ssmSourceOptionsSchema, create: createAwsSsmSource };
