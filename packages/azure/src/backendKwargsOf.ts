import type { AzureKeyVaultSourceOptions } from "./azureKeyVaultSourceOptions.ts";

/** The naming kwargs only, as `backendNaming` takes them. */
export function backendKwargsOf(options: AzureKeyVaultSourceOptions): Record<string, unknown> {
  const { connections_prefix, variables_prefix, config_prefix, sep, multi_team, team_name } = options;
  return { connections_prefix, variables_prefix, config_prefix, sep, multi_team, ...(team_name === undefined ? {} : { team_name }) };
}
