import { ConfigError, type DeploymentTarget, type Logger } from "@afsync/core";
import type { RetryOptions } from "@afsync/http/retryingFetch";
import { z } from "zod";
import { ASTRO_API_URLS } from "./AstroDeploymentApi.ts";
import { AstroEnvVarsTarget } from "./AstroEnvVarsTarget.ts";

/** What every Astro target factory gets from the composition root (a subset of the CLI's FactoryContext). */
export interface AstroFactoryContext {
  /** The Deployment id from afsync.yaml, for error paths. */
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
}

export const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Backoff tuning for 429/5xx (defaults suit the real API; tests shorten the waits). */
export const retryOptionsSchema = z
  .object({
    max_attempts: z.number().int().min(1).max(20).optional(),
    base_delay_ms: z.number().int().min(0).optional(),
    max_delay_ms: z.number().int().min(0).optional(),
  })
  .strict()
  .optional();

export function retryFrom(o: z.infer<typeof retryOptionsSchema>): RetryOptions {
  return {
    ...(o?.max_attempts === undefined ? {} : { maxAttempts: o.max_attempts }),
    ...(o?.base_delay_ms === undefined ? {} : { baseDelayMs: o.base_delay_ms }),
    ...(o?.max_delay_ms === undefined ? {} : { maxDelayMs: o.max_delay_ms }),
  };
}

export const astroEnvVarsOptionsSchema = z
  .object({
    organization_id: z.string().min(1),
    deployment_id: z.string().min(1),
    /** Environment variable holding the Astro API token (a Deployment API token is enough). */
    token_env: z.string().regex(ENV_VAR_NAME, "must be an environment variable name").default("ASTRO_API_TOKEN"),
    /**
     * Astro API v1 by default; `v1beta1` (the Platform API) stays selectable until its end of
     * support in January 2027, with a warning.
     */
    api_version: z.enum(["v1", "v1beta1"]).default("v1"),
    /** The API base; by default the real one for `api_version`. Tests point it at the emulator. */
    api_url: z.url({ protocol: /^https?$/ }).optional(),
    /** Visible variable holding afsync's ownership manifest. */
    manifest_variable: z.string().regex(ENV_VAR_NAME, "must be an environment variable name").default("AFSYNC_MANIFEST"),
    retry: retryOptionsSchema,
  })
  .strict()
  .superRefine((o, ctx) => {
    // `api_url` pinned to the old default (v1beta1) would get v1 request bodies.
    if (o.api_url !== undefined && o.api_version === "v1" && /\/platform\/v1beta1\/?$/.test(new URL(o.api_url).pathname)) {
      ctx.addIssue({
        code: "custom",
        path: ["api_url"],
        message:
          "points at the Platform API v1beta1 while api_version is v1; use https://api.astronomer.io/v1, or set api_version: v1beta1 (end of support January 2027)",
      });
    }
  });

export type AstroEnvVarsOptions = z.infer<typeof astroEnvVarsOptionsSchema>;

/** Reads the token named by `token_env`; the token itself never appears in config or errors. */
export function tokenFrom(env: NodeJS.ProcessEnv, tokenEnv: string, deploymentId: string): string {
  const token = env[tokenEnv];
  if (token === undefined || token.trim() === "") {
    throw new ConfigError(
      `deployments.${deploymentId}.target.token_env`,
      `environment variable ${tokenEnv} is not set (it must hold an Astro API token)`,
    );
  }
  return token.trim();
}

/** `type: astro-env-vars` — register in packages/runtime/src/compose/targetFactories.ts. */
export const astroEnvVarsTargetFactory = {
  schema: astroEnvVarsOptionsSchema,
  create(options: unknown, ctx: AstroFactoryContext): DeploymentTarget {
    const o = astroEnvVarsOptionsSchema.parse(options);
    return new AstroEnvVarsTarget({
      organizationId: o.organization_id,
      deploymentId: o.deployment_id,
      apiUrl: o.api_url ?? ASTRO_API_URLS[o.api_version],
      apiVersion: o.api_version,
      token: tokenFrom(ctx.env, o.token_env, ctx.id),
      manifestVariable: o.manifest_variable,
      retry: retryFrom(o.retry),
      // Records are owned per afsync Deployment id, so two configs sharing an Astro Deployment
      // (or Workspace) never treat each other's keys as their own.
      owner: ctx.id,
      logger: ctx.logger,
    });
  },
};
