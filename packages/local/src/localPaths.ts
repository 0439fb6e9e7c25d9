import { isAbsolute, resolve } from "node:path";

/** What a local adapter's factory needs from the composition root (a subset of the CLI's FactoryContext). */
export interface LocalFactoryContext {
  readonly id: string;
  /** Directory of afsync.yaml: relative paths in options resolve against it. */
  readonly configDir: string;
}

/** A path from afsync.yaml, resolved against the config file's directory. */
export function resolveConfigPath(configDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(configDir, path);
}
