import { ConfigError } from "@afsync/core";

/** Runs a factory; what it throws becomes a ConfigError at `path` (its message never holds a secret). */
export async function atConfigPath<T>(path: string, create: () => Promise<T> | T): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(path, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
