import { airflowApiTargetFactory } from "@afsync/airflow-api/airflowApiTargetFactory";
import { astroEnvironmentTargetFactory } from "@afsync/astro/astroEnvironmentTargetFactory";
import { astroEnvVarsTargetFactory } from "@afsync/astro/astroEnvVarsTargetFactory";
import { airflowSettingsTargetFactory } from "@afsync/local/targets/airflowSettingsTargetFactory";
import { envFileTargetFactory } from "@afsync/local/targets/envFileTargetFactory";
import { localFilesystemTargetFactory } from "@afsync/local/targets/localFilesystemTargetFactory";
import type { TargetFactory } from "./AdapterFactory.ts";

export type { FactoryContext, TargetFactory } from "./AdapterFactory.ts";

/**
 * Every target type `deployments.<id>.target.type` may name, `type → factory`. Each adapter
 * package adds one line here, importing its own factory, e.g.
 *   import { envFileTargetFactory } from "@afsync/local/envFileTargetFactory";
 *   "env-file": envFileTargetFactory,
 */
export const targetFactories: Record<string, TargetFactory> = {
  "airflow-api": airflowApiTargetFactory,
  "airflow-settings": airflowSettingsTargetFactory,
  "astro-env-vars": astroEnvVarsTargetFactory,
  "astro-environment": astroEnvironmentTargetFactory,
  "env-file": envFileTargetFactory,
  "local-filesystem": localFilesystemTargetFactory,
};
