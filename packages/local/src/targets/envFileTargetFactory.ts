import { z } from "zod";
import { type LocalFactoryContext, resolveConfigPath } from "../localPaths.ts";
import { EnvFileTarget } from "./EnvFileTarget.ts";

/** Options of target `env-file`: the `.env` the Astro CLI passes to the Airflow containers. */
export const envFileTargetOptionsSchema = z.strictObject({
  path: z.string().min(1),
  /** Create the file's directory when it is missing; off so that a mistyped path is an error. */
  create_dirs: z.boolean().default(false),
});

export const envFileTargetFactory = {
  schema: envFileTargetOptionsSchema,
  create(options: unknown, ctx: LocalFactoryContext): EnvFileTarget {
    const o = envFileTargetOptionsSchema.parse(options);
    return new EnvFileTarget(resolveConfigPath(ctx.configDir, o.path), { createDirs: o.create_dirs });
  },
};
