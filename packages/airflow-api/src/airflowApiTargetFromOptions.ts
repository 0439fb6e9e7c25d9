import type { Logger } from "@afsync/core";
import { ConfigError } from "@afsync/core";
import { AirflowApiTarget } from "./AirflowApiTarget.ts";
// A type only: this module must not evaluate the option schema (see below).
import type { AirflowApiTargetOptions } from "./airflowApiTargetFactory.ts";
import type { AirflowAuth } from "./authenticatingFetch.ts";

/** The part of the CLI's `FactoryContext` this target uses (targets do not import the CLI). */
export interface AirflowApiFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

/**
 * The target built from options its schema already parsed (defaults applied). The factory
 * (`airflowApiTargetFactory`) parses, then calls this; a function bundle whose config was
 * validated when it was packaged calls it directly, so its cold start neither loads zod nor builds
 * the schema (`optionBuilderLoaders`). The credentials are read here, from the environment, on
 * both paths.
 */
export function airflowApiTargetFromOptions(options: AirflowApiTargetOptions, ctx: AirflowApiFactoryContext): AirflowApiTarget {
  const path = `deployments.${ctx.id}.target.auth`;
  const fromEnv = (option: string, name: string): string => {
    const value = ctx.env[name];
    if (value === undefined || value === "") throw new ConfigError(`${path}.${option}`, `environment variable ${name} is not set`);
    return value;
  };
  const a = options.auth;
  const auth: AirflowAuth =
    a.type === "bearer"
      ? { type: "bearer", token: fromEnv("token_env", a.token_env) }
      : { type: a.type, username: fromEnv("username_env", a.username_env), password: fromEnv("password_env", a.password_env) };
  return new AirflowApiTarget({
    url: options.url,
    ...(options.api_url === undefined ? {} : { apiUrl: options.api_url }),
    apiVersion: options.api_version,
    auth,
    state: options.state,
    manifestVariable: options.manifest_variable,
    pageLimit: options.page_limit,
    batchSize: options.batch_size,
    concurrency: options.concurrency,
    ...(options.retry === undefined
      ? {}
      : {
          retry: {
            maxAttempts: options.retry.max_attempts,
            baseDelayMs: options.retry.base_delay_ms,
            maxDelayMs: options.retry.max_delay_ms,
          },
        }),
    ...(ctx.logger === undefined ? {} : { logger: ctx.logger }),
  });
}
