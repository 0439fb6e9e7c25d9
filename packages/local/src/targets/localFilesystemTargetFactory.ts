import { z } from "zod";
import { type LocalFactoryContext, resolveConfigPath } from "../localPaths.ts";
import { LocalFilesystemTarget } from "./LocalFilesystemTarget.ts";

const jsonPath = z
  .string()
  .min(1)
  .refine((p) => /\.json$/i.test(p), { message: "must be a .json file (afsync writes LocalFilesystemBackend's JSON form)" });

/** Options of target `local-filesystem`: LocalFilesystemBackend's kwargs, JSON files only. */
export const localFilesystemTargetOptionsSchema = z
  .strictObject({
    connections_file_path: jsonPath.optional(),
    variables_file_path: jsonPath.optional(),
    /** Create the files' directories when missing; off so that a mistyped path is an error. */
    create_dirs: z.boolean().default(false),
  })
  .refine((o) => o.connections_file_path !== undefined || o.variables_file_path !== undefined, {
    message: "set connections_file_path, variables_file_path or both",
  });

export const localFilesystemTargetFactory = {
  schema: localFilesystemTargetOptionsSchema,
  create(options: unknown, ctx: LocalFactoryContext): LocalFilesystemTarget {
    const o = localFilesystemTargetOptionsSchema.parse(options);
    return new LocalFilesystemTarget({
      createDirs: o.create_dirs,
      ...(o.connections_file_path !== undefined && { connectionsFilePath: resolveConfigPath(ctx.configDir, o.connections_file_path) }),
      ...(o.variables_file_path !== undefined && { variablesFilePath: resolveConfigPath(ctx.configDir, o.variables_file_path) }),
    });
  },
};
