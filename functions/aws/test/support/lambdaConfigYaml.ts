/**
 * The shape of the config the functions ship (functions/aws/afsync.config.yaml): both AWS sources
 * feeding an Airflow 3 API Deployment `prod` whose credentials come from the env, for tests and
 * the playground to point at their own Airflow. Extra YAML goes under the target, under `prod`,
 * after `prod` (more Deployments) and at the top level (state, serve), each already indented.
 */
export function lambdaConfigYaml(
  airflowUrl: string,
  extra: { readonly target?: string; readonly prod?: string; readonly deployments?: string; readonly top?: string } = {},
): string {
  return `
sources:
  aws-sm: { type: aws-secrets-manager }
  aws-ssm: { type: aws-ssm }
deployments:
  prod:
    target:
      type: airflow-api
      url: ${airflowUrl}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
${extra.target ?? ""}    sources: [aws-sm, aws-ssm]
${extra.prod ?? ""}${extra.deployments ?? ""}${extra.top ?? ""}`;
}
