import type { SecretsManagerSourceOptions, SsmSourceOptions } from "./awsSourceOptions.ts";

/** The naming kwargs only, as `backendNaming` and `parseConnectionValue` take them. */
export function backendKwargsOf(options: SecretsManagerSourceOptions | SsmSourceOptions): Record<string, unknown> {
  const { region_name: _r, profile_name: _p, endpoint_url: _e, aws_conn_id: _c, role_arn: _a, ...kwargs } = options;
  return kwargs;
}
