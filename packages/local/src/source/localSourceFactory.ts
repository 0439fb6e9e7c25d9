import { z } from "zod";
import { type LocalFactoryContext, resolveConfigPath } from "../localPaths.ts";
import { fileTypeFor, LocalSecretSource } from "./LocalSecretSource.ts";

const filePath = z
  .string()
  .min(1)
  .refine((p) => fileTypeFor(p) !== null, {
    message: "must end in .json, .yaml, .yml or .env (LocalFilesystemBackend picks the parser by extension)",
  });

/**
 * Options of source `local`: LocalFilesystemBackend's own `backend_kwargs`, so they can be
 * copied from a Deployment's config. `configs_file_path` is accepted for that reason and unused
 * (afsync syncs connections and variables only).
 */
export const localSourceOptionsSchema = z
  .strictObject({
    connections_file_path: filePath.optional(),
    variables_file_path: filePath.optional(),
    configs_file_path: z.string().optional(),
  })
  .refine((o) => o.connections_file_path !== undefined || o.variables_file_path !== undefined, {
    message: "set connections_file_path, variables_file_path or both",
  });

export type LocalSourceOptions = z.infer<typeof localSourceOptionsSchema>;

export const localSourceFactory = {
  schema: localSourceOptionsSchema,
  create(options: unknown, ctx: LocalFactoryContext): LocalSecretSource {
    const o = localSourceOptionsSchema.parse(options);
    const file = (label: string | undefined) =>
      label === undefined ? undefined : { label, path: resolveConfigPath(ctx.configDir, label) };
    const connections = file(o.connections_file_path);
    const variables = file(o.variables_file_path);
    return new LocalSecretSource(ctx.id, { ...(connections && { connections }), ...(variables && { variables }) });
  },
};
