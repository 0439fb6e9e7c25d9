/**
 * The Deployments each fault storm runs: target type, and sources in config order (the first
 * listed wins). The storms build their configs and truths from these; stormCoverage.test.ts
 * checks that together they cover every target type afsync has (issue 13 §1: "10 Deployments
 * over every target kind").
 */

/** AWS: Secrets Manager, SSM, Vault (webhooks); the local files of an Airflow on the worker's host. */
export const AWS_DEPLOYMENTS = {
  prod: { target: "airflow-api", sources: ["aws-sm", "aws-ssm", "vault-prod"] },
  astro: { target: "astro-env-vars", sources: ["aws-ssm"] },
  "host-env": { target: "env-file", sources: ["aws-ssm", "aws-sm"] },
  "host-settings": { target: "airflow-settings", sources: ["aws-sm", "vault-prod"] },
  "host-backend": { target: "local-filesystem", sources: ["vault-prod", "aws-sm", "aws-ssm"] },
} as const;

/** Azure: one vault through two prefixes; astro-vars takes its variables only, astro-env its connections only. */
export const AZURE_DEPLOYMENTS = {
  af2: { target: "airflow-api", sources: ["kv-team", "kv"] },
  af3: { target: "airflow-api", sources: ["kv"] },
  "astro-vars": { target: "astro-env-vars", sources: ["kv"] },
  "astro-env": { target: "astro-environment", sources: ["kv"] },
} as const;

/** GCP: two Secret Manager sources by secret prefix. */
export const GCP_DEPLOYMENTS = {
  af3: { target: "airflow-api", sources: ["main", "team"] },
  af2: { target: "airflow-api", sources: ["team", "main"] },
  "astro-vars": { target: "astro-env-vars", sources: ["main"] },
  "astro-env": { target: "astro-environment", sources: ["team", "main"] },
} as const;

/** Deployment → target type, as the storms' reports print it. */
export function targetTypes(deployments: Readonly<Record<string, { readonly target: string }>>): Record<string, string> {
  return Object.fromEntries(Object.entries(deployments).map(([id, d]) => [id, d.target]));
}
