import type { GcpSourceOptions } from "./gcpSourceOptions.ts";

/** The naming kwargs only, as `backendNaming` takes them. */
export function gcpBackendKwargsOf(options: GcpSourceOptions): Record<string, unknown> {
  return {
    connections_prefix: options.connections_prefix,
    variables_prefix: options.variables_prefix,
    config_prefix: options.config_prefix,
    sep: options.sep,
  };
}
