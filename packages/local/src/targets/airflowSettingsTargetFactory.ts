import { z } from "zod";
import { type LocalFactoryContext, resolveConfigPath } from "../localPaths.ts";
import { AirflowSettingsTarget } from "./AirflowSettingsTarget.ts";

/** Options of target `airflow-settings`: where the Astro project's `airflow_settings.yaml` is. */
export const airflowSettingsTargetOptionsSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .refine((p) => /\.ya?ml$/i.test(p), { message: "must be a .yaml or .yml file (the Astro CLI's airflow_settings.yaml)" }),
  /** Create the file's directory when it is missing; off so that a mistyped path is an error. */
  create_dirs: z.boolean().default(false),
});

export const airflowSettingsTargetFactory = {
  schema: airflowSettingsTargetOptionsSchema,
  create(options: unknown, ctx: LocalFactoryContext): AirflowSettingsTarget {
    const o = airflowSettingsTargetOptionsSchema.parse(options);
    return new AirflowSettingsTarget(resolveConfigPath(ctx.configDir, o.path), { createDirs: o.create_dirs });
  },
};
