import * as z from "@afsync/core/config/zodMini";
import { sourceOptionSchemaLoaders, targetOptionSchemaLoaders } from "../compose/optionSchemaLoaders.ts";

/**
 * The parse of one adapter type's options by its own schema (what its factory runs before its
 * builder), for options that did not come out of `parseConfig` in this process: undefined for a
 * type without a schema. Part of the strict config path (`strictConfigEntry`): in a function
 * bundle it runs in the side file, so the bundle carries no schema and no zod. It returns plain
 * data; what it throws is zod's error, which `atConfigPath` turns into a `ConfigError`.
 */
export async function adapterOptionsParser(kind: "source" | "target", type: string): Promise<((options: unknown) => unknown) | undefined> {
  const loaders = kind === "source" ? sourceOptionSchemaLoaders : targetOptionSchemaLoaders;
  if (!Object.hasOwn(loaders, type)) return undefined;
  const schema = await loaders[type]?.();
  return schema === undefined ? undefined : (options) => z.parse(schema, options);
}
