import type { Logger } from "@afsync/core";
import { secretsManagerSourceOptionsSchema, ssmSourceOptionsSchema } from "./awsSourceOptions.ts";
import { secretsManagerSourceFromOptions, ssmSourceFromOptions } from "./awsSourcesFromOptions.ts";
import type { SecretsManagerSource } from "./SecretsManagerSource.ts";
import type { SsmParameterSource } from "./SsmParameterSource.ts";

/** What the composition root hands a factory (a structural subset of the CLI's FactoryContext). */
export interface AwsFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export function createAwsSecretsManagerSource(options: unknown, ctx: AwsFactoryContext): SecretsManagerSource {
  return secretsManagerSourceFromOptions(secretsManagerSourceOptionsSchema.parse(options), ctx);
}

export function createAwsSsmSource(options: unknown, ctx: AwsFactoryContext): SsmParameterSource {
  return ssmSourceFromOptions(ssmSourceOptionsSchema.parse(options), ctx);
}

/** Registry entries for `packages/runtime/src/compose/sourceFactories.ts`. */
export const awsSecretsManagerSourceFactory = { schema: secretsManagerSourceOptionsSchema, create: createAwsSecretsManagerSource };
export const awsSsmSourceFactory = { schema: ssmSourceOptionsSchema, create: createAwsSsmSource };
