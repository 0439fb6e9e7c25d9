import type { DeploymentTarget } from "@afsync/core";
import { z } from "zod";
import { AstroEnvironmentTarget, DEFAULT_ENVIRONMENT_MANIFEST_KEY } from "./AstroEnvironmentTarget.ts";
import { type AstroFactoryContext, ENV_VAR_NAME, retryFrom, retryOptionsSchema, tokenFrom } from "./astroEnvVarsTargetFactory.ts";

export const astroEnvironmentOptionsSchema = z
  .object({
    organization_id: z.string().min(1),
    /** Workspace-scoped objects (shared, linked to Deployments)… */
    workspace_id: z.string().min(1).optional(),
    /** …or objects scoped to one Deployment. */
    deployment_id: z.string().min(1).optional(),
    /** Deployments each object afsync writes is linked to (Workspace scope). */
    link_deployments: z.array(z.string().min(1)).default([]),
    /** Link every Deployment of the Workspace, including future ones (Workspace scope). */
    auto_link: z.boolean().default(false),
    /** Environment variable holding the Astro API token (Workspace Operator or Owner). */
    token_env: z.string().regex(ENV_VAR_NAME, "must be an environment variable name").default("ASTRO_API_TOKEN"),
    /** The Astro API v1 base; tests point it at the emulator. */
    api_url: z.url({ protocol: /^https?$/ }).default("https://api.astronomer.io/v1"),
    /** Key of the unlinked object holding afsync's manifest; distinct per target sharing a Workspace. */
    manifest_key: z.string().regex(ENV_VAR_NAME, "must be an environment variable name").default(DEFAULT_ENVIRONMENT_MANIFEST_KEY),
    retry: retryOptionsSchema,
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.workspace_id === undefined) === (o.deployment_id === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["workspace_id"],
        message: "set exactly one of workspace_id (shared objects) or deployment_id",
      });
    }
    if (o.deployment_id !== undefined && (o.auto_link || o.link_deployments.length > 0)) {
      ctx.addIssue({ code: "custom", path: ["link_deployments"], message: "links and auto_link apply only with workspace_id" });
    }
  });

export type AstroEnvironmentOptions = z.infer<typeof astroEnvironmentOptionsSchema>;

/** `type: astro-environment` — register in packages/runtime/src/compose/targetFactories.ts. */
export const astroEnvironmentTargetFactory = {
  schema: astroEnvironmentOptionsSchema,
  create(options: unknown, ctx: AstroFactoryContext): DeploymentTarget {
    const o = astroEnvironmentOptionsSchema.parse(options);
    const scope =
      o.workspace_id !== undefined
        ? { scope: "WORKSPACE" as const, scopeEntityId: o.workspace_id }
        : { scope: "DEPLOYMENT" as const, scopeEntityId: o.deployment_id ?? "" };
    return new AstroEnvironmentTarget({
      organizationId: o.organization_id,
      scope,
      links: { linkDeployments: o.link_deployments, autoLink: o.auto_link },
      apiUrl: o.api_url,
      token: tokenFrom(ctx.env, o.token_env, ctx.id),
      manifestKey: o.manifest_key,
      retry: retryFrom(o.retry),
      // Records are owned per afsync Deployment id, so two configs sharing an Astro Deployment
      // (or Workspace) never treat each other's keys as their own.
      owner: ctx.id,
      logger: ctx.logger,
    });
  },
};
