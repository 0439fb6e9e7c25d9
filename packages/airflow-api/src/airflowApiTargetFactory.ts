/**
 * `deployments.<id>.target` with `type: airflow-api`, validated and turned into a target.
 *
 * ```yaml
 * target:
 *   type: airflow-api
 *   url: https://airflow.example.com      # /api/v1 or /api/v2 is appended
 *   api_version: 2                        # 1 | 2 | auto (ask the server)
 *   auth: { type: basic, username_env: AIRFLOW_USER, password_env: AIRFLOW_PASSWORD }
 * ```
 *
 * Credentials are never inline: `*_env` options name the environment variables that hold them,
 * read once here; an unset one is a `ConfigError` naming the option's path.
 */
import type { Logger } from "@afsync/core";
import { ConfigError } from "@afsync/core";
import { z } from "zod";
import { AIRFLOW_API_RETRY, AirflowApiTarget } from "./AirflowApiTarget.ts";
import type { AirflowAuth } from "./authenticatingFetch.ts";
import { DEFAULT_MANIFEST_VARIABLE } from "./targetManifest.ts";

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
const httpUrl = z.string().refine((s) => /^https?:\/\//.test(s) && URL.canParse(s), "must be an http(s) URL");

export const airflowApiTargetOptions = z.strictObject({
  url: httpUrl,
  /** Overrides where requests go (tests point it at the emulators). */
  api_url: httpUrl.optional(),
  api_version: z.union([z.literal(1), z.literal(2), z.literal("auto")]).default("auto"),
  auth: z.discriminatedUnion("type", [
    z.strictObject({ type: z.literal("basic"), username_env: envName, password_env: envName }),
    z.strictObject({ type: z.literal("bearer"), token_env: envName }),
    z.strictObject({ type: z.literal("airflow-token"), username_env: envName, password_env: envName }),
  ]),
  /** `manifest`: afsync's ownership records live in an Airflow variable of the Deployment. */
  state: z.enum(["manifest", "none"]).default("manifest"),
  manifest_variable: z.string().min(1).max(250).default(DEFAULT_MANIFEST_VARIABLE),
  /** Page size asked for on lists; the server may clamp it (`[api] maximum_page_limit`). */
  page_limit: z.int().min(1).max(1000).default(100),
  /** Entities per bulk call (v2). */
  batch_size: z.int().min(1).max(1000).default(100),
  /** v1 (one entity per call): calls in flight at once. */
  concurrency: z.int().min(1).max(16).default(4),
  retry: z
    .strictObject({
      max_attempts: z.int().min(1).max(20).default(AIRFLOW_API_RETRY.maxAttempts),
      base_delay_ms: z.int().min(0).default(AIRFLOW_API_RETRY.baseDelayMs),
      max_delay_ms: z.int().min(0).default(AIRFLOW_API_RETRY.maxDelayMs),
    })
    .optional(),
});

export type AirflowApiTargetOptions = z.infer<typeof airflowApiTargetOptions>;

/** The part of the CLI's `FactoryContext` this factory uses (targets do not import the CLI). */
interface FactoryContextLike {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger;
}

export const airflowApiTargetFactory = {
  schema: airflowApiTargetOptions,
  create(raw: unknown, ctx: FactoryContextLike): AirflowApiTarget {
    const options = airflowApiTargetOptions.parse(raw);
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
  },
};
