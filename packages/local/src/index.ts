// @afsync/local: Airflow's LocalFilesystemBackend files as a source, and the local targets
// (Astro CLI airflow_settings.yaml, .env, LocalFilesystemBackend JSON). Import by subpath.
export { atomicWriteFile, SECRET_FILE_MODE } from "./atomicWrite.ts";
export { LocalSecretSource } from "./source/LocalSecretSource.ts";
export { localSourceFactory } from "./source/localSourceFactory.ts";
export { AirflowSettingsTarget } from "./targets/AirflowSettingsTarget.ts";
export { airflowSettingsTargetFactory } from "./targets/airflowSettingsTargetFactory.ts";
export { EnvFileTarget } from "./targets/EnvFileTarget.ts";
export { envFileTargetFactory } from "./targets/envFileTargetFactory.ts";
export { LocalFilesystemTarget } from "./targets/LocalFilesystemTarget.ts";
export { localFilesystemTargetFactory } from "./targets/localFilesystemTargetFactory.ts";
