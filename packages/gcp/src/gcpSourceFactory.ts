import type { Logger } from "@afsync/core";
import type { GcpSecretManagerSource, GcpSourceTuning } from "./GcpSecretManagerSource.ts";
import { gcpSecretManagerSourceFromOptions } from "./gcpSecretManagerSourceFromOptions.ts";
import { gcpSourceOptionsSchema } from "./gcpSourceOptions.ts";

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
  return gcpSecretManagerSourceFromOptions(gcpSourceOptionsSchema.parse(options), ctx);
}

/** Registry entry for `packages/cli/src/compose/sourceFactories.ts`. */
export const gcpSecretManagerSourceFactory = { schema: gcpSourceOptionsSchema, create: createGcpSecretManagerSource };
