// The Airflow REST API target (`type: airflow-api`). Import by subpath where possible.
export { AirflowApiTarget, type AirflowApiTargetConfig } from "./AirflowApiTarget.ts";
export { airflowApiTargetFactory, airflowApiTargetOptions } from "./airflowApiTargetFactory.ts";
export type { AirflowAuth } from "./authenticatingFetch.ts";
