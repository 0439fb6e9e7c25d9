import type { Logger } from "@afsync/core";
import { createSecretManagerClient } from "./createGcpClient.ts";
import { GcpSecretManagerSource, type GcpSourceTuning } from "./GcpSecretManagerSource.ts";
import { GcpSecretNaming } from "./GcpSecretNaming.ts";
import { gcpBackendKwargsOf, gcpSourceOptionsSchema } from "./gcpSourceOptions.ts";
import { resolveGcpCredentials } from "./resolveGcpCredentials.ts";

/** What the composition root hands a factory (a structural subset of the CLI's FactoryContext). */
export interface GcpFactoryContext {
  readonly id: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where a relative gcp_key_path starts; the working directory when absent. */
  readonly configDir?: string;
  readonly logger?: Logger;
  /** Concurrency and retry overrides (tests shorten the backoff). */
  readonly tuning?: GcpSourceTuning;
}

export async function createGcpSecretManagerSource(options: unknown, ctx: GcpFactoryContext): Promise<GcpSecretManagerSource> {
  const o = gcpSourceOptionsSchema.parse(options);
  const settings = await resolveGcpCredentials(o, ctx.env, ctx.configDir ?? process.cwd());
  const naming = new GcpSecretNaming(gcpBackendKwargsOf(o), {
    id: settings.projectId,
    ...(o.project_number !== undefined ? { number: o.project_number } : {}),
  });
  return new GcpSecretManagerSource(ctx.id, createSecretManagerClient(settings), naming, ctx.tuning);
}

/** Registry entry for `packages/cli/src/compose/sourceFactories.ts`. */
export const gcpSecretManagerSourceFactory = { schema: gcpSourceOptionsSchema, create: createGcpSecretManagerSource };
