/**
 * What every AWS storm target must hold, computed plainly from the emulators' final provider state
 * (read back over the SDKs and Vault's own API) and the first-listed-source-wins rule — never
 * through afsync's code — and the comparison of each target with it, naming keys, never values.
 */
import type { AirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { AstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandOutput,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GetParametersByPathCommand, type GetParametersByPathCommandOutput, type SSMClient } from "@aws-sdk/client-ssm";
import { compareDeployment } from "./kit/compareDeployment.ts";
import { type DeploymentTruth, mergeSources, type SourceState } from "./kit/DeploymentTruth.ts";
import {
  airflowSettingsView,
  envFileView,
  type LocalTargetFiles,
  localFilesystemView,
  localUnownedSnapshot,
} from "./kit/localTargetFiles.ts";
import { airflowView, astroEnvVarsView } from "./kit/remoteTargetViews.ts";
import { exactRecord } from "./kit/unownedRecords.ts";
import { AWS_DEPLOYMENTS } from "./stormDeployments.ts";

export const AWS_ORG = "org-1";
export const AWS_ASTRO_DEPLOYMENT = "dep-astro";

export type AwsDeploymentName = keyof typeof AWS_DEPLOYMENTS;
export const LOCAL_DEPLOYMENTS: readonly AwsDeploymentName[] = ["host-env", "host-settings", "host-backend"];

export type SourceName = "aws-sm" | "aws-ssm" | "vault-prod";

/**
 * The providers' final state by source, read back over the SDKs and Vault's API: Secrets Manager's
 * `airflow/{connections,variables}/*`, SSM's `/airflow/variables/*`, Vault's KV v2.
 */
export async function readSources(
  sm: SecretsManagerClient,
  ssm: SSMClient,
  vault: VaultEmulator,
): Promise<Record<SourceName, SourceState>> {
  const smVariables = new Map<string, string>();
  const smConnections = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page: ListSecretsCommandOutput = await sm.send(new ListSecretsCommand({ NextToken: nextToken, MaxResults: 100 }));
    for (const secret of page.SecretList ?? []) {
      const name = secret.Name ?? "";
      if (!name.startsWith("airflow/")) continue;
      const value = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? "";
      if (name.startsWith("airflow/variables/")) smVariables.set(name.slice("airflow/variables/".length), value);
      else if (name.startsWith("airflow/connections/")) smConnections.set(name.slice("airflow/connections/".length), value);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const ssmVariables = new Map<string, string>();
  nextToken = undefined;
  do {
    const page: GetParametersByPathCommandOutput = await ssm.send(
      new GetParametersByPathCommand({ Path: "/airflow/variables", Recursive: true, WithDecryption: true, NextToken: nextToken }),
    );
    for (const p of page.Parameters ?? []) ssmVariables.set((p.Name ?? "").slice("/airflow/variables/".length), p.Value ?? "");
    nextToken = page.NextToken;
  } while (nextToken);
  return {
    "aws-sm": { connections: smConnections, variables: smVariables },
    "aws-ssm": { connections: new Map(), variables: ssmVariables },
    "vault-prod": await readVaultKv(vault),
  };
}

/** Every Deployment's truth: its sources merged in its config order, first listed wins. */
export function truthOf(state: Record<SourceName, SourceState>): Record<AwsDeploymentName, DeploymentTruth> {
  const entries = Object.entries(AWS_DEPLOYMENTS).map(([id, d]) => [id, mergeSources(d.sources.map((s) => state[s]))]);
  return Object.fromEntries(entries) as Record<AwsDeploymentName, DeploymentTruth>;
}

/** Keys only Vault holds in `prod` (so only its webhook path or a reconciliation can have put them there). */
export function vaultOnlyKeys(state: Record<SourceName, SourceState>): number {
  const { "aws-sm": sm, "aws-ssm": ssm, "vault-prod": vault } = state;
  return (
    [...vault.connections.keys()].filter((id) => !sm.connections.has(id)).length +
    [...vault.variables.keys()].filter((k) => !sm.variables.has(k) && !ssm.variables.has(k)).length
  );
}

/** Every difference between the truth and the targets, by key (values never named). */
export function compareAll(
  truth: Record<AwsDeploymentName, DeploymentTruth>,
  airflow: AirflowEmulator,
  astro: AstroEmulator,
  files: LocalTargetFiles,
): string[] {
  return [
    ...compareDeployment("prod (airflow)", truth.prod, airflowView(airflow)),
    ...compareDeployment("astro", truth.astro, astroEnvVarsView(astro, AWS_ORG, AWS_ASTRO_DEPLOYMENT)),
    ...compareDeployment("host-env", truth["host-env"], envFileView(files.envFile)),
    ...compareDeployment("host-settings", truth["host-settings"], airflowSettingsView(files.settingsFile)),
    ...compareDeployment("host-backend", truth["host-backend"], localFilesystemView(files.connectionsFile, files.variablesFile)),
  ];
}

/** The keys afsync does not own, every stored field, and the unowned content of the local files. */
export function unownedSnapshot(airflow: AirflowEmulator, astro: AstroEmulator, files: LocalTargetFiles): Record<string, string> {
  const env = astro.deployment(AWS_ORG, AWS_ASTRO_DEPLOYMENT)?.environmentVariables ?? [];
  return {
    "airflow connection theirs_db": exactRecord(airflow.state.connections.get("theirs_db")),
    "airflow variable theirs_var": exactRecord(airflow.state.variables.get("theirs_var")),
    "astro THEIR_SETTING": exactRecord(env.find((v) => v.key === "THEIR_SETTING")),
    ...localUnownedSnapshot(files),
  };
}

/** Vault's KV v2 `secret/airflow/{connections,variables}`, read back over its HTTP API. */
async function readVaultKv(vault: VaultEmulator): Promise<SourceState> {
  const headers = { "x-vault-token": vault.rootToken };
  const read = async (folder: string, field: string) => {
    const out = new Map<string, string>();
    const listed = await fetch(`${vault.url}/v1/secret/metadata/airflow/${folder}?list=true`, { headers });
    if (listed.status === 404) return out;
    const keys = ((await listed.json()) as { data: { keys: string[] } }).data.keys;
    for (const key of keys) {
      const got = (await (await fetch(`${vault.url}/v1/secret/data/airflow/${folder}/${key}`, { headers })).json()) as {
        data: { data: Record<string, string> };
      };
      out.set(key, got.data.data[field] ?? "");
    }
    return out;
  };
  return { connections: await read("connections", "conn_uri"), variables: await read("variables", "value") };
}
