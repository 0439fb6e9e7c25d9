import { createSecretManagerClient } from "./createGcpClient.ts";
import { GcpSecretManagerSource } from "./GcpSecretManagerSource.ts";
import { GcpSecretNaming } from "./GcpSecretNaming.ts";
import { gcpBackendKwargsOf } from "./gcpBackendKwargsOf.ts";
// Types only: this module must not evaluate the option schema (see below).
import type { GcpFactoryContext } from "./gcpSourceFactory.ts";
import type { GcpSourceOptions } from "./gcpSourceOptions.ts";
import { resolveGcpCredentials } from "./resolveGcpCredentials.ts";

/**
 * The Secret Manager source built from options its schema already parsed (defaults applied). The
 * factory (`gcpSecretManagerSourceFactory`) parses, then calls this; a function bundle whose config
 * was validated when it was packaged calls it directly, so its cold start neither loads zod nor
 * builds the schema (`optionBuilderLoaders`).
 */
export async function gcpSecretManagerSourceFromOptions(o: GcpSourceOptions, ctx: GcpFactoryContext): Promise<GcpSecretManagerSource> {
  const settings = await resolveGcpCredentials(o, ctx.env, ctx.configDir ?? process.cwd());
  const naming = new GcpSecretNaming(gcpBackendKwargsOf(o), {
    id: settings.projectId,
    ...(o.project_number !== undefined ? { number: o.project_number } : {}),
  });
  return new GcpSecretManagerSource(ctx.id, createSecretManagerClient(settings), naming, ctx.tuning);
}
