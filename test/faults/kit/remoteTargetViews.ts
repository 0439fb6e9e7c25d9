/**
 * The remote targets as the storms' own readers see them, straight from the emulators' stores
 * (what Airflow's metadata database and the Astro API hold), never through afsync's code.
 */
import type { AirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { AstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { STORM_KEY, type TargetView } from "./compareDeployment.ts";

/** An Airflow API target (either version: both store the metadata database's rows). */
export function airflowView(airflow: AirflowEmulator): TargetView {
  return {
    connections: new Map([...airflow.state.connections].map(([id, row]) => [id, row as unknown as Record<string, unknown>])),
    variables: new Map([...airflow.state.variables].map(([key, row]) => [key, row.value])),
    problems: [],
  };
}

/** Astro env vars: `AIRFLOW_CONN_<ID>` in Airflow's JSON form, `AIRFLOW_VAR_<KEY>` as is (ids lower-cased back). */
export function astroEnvVarsView(astro: AstroEmulator, org: string, deployment: string): TargetView {
  const connections = new Map<string, Record<string, unknown>>();
  const variables = new Map<string, string>();
  const problems: string[] = [];
  for (const { key, value } of astro.deployment(org, deployment)?.environmentVariables ?? []) {
    const conn = /^AIRFLOW_CONN_(.+)$/.exec(key)?.[1];
    const variable = /^AIRFLOW_VAR_(.+)$/.exec(key)?.[1];
    if (variable !== undefined) variables.set(variable.toLowerCase(), value ?? "");
    if (conn === undefined) continue;
    try {
      connections.set(conn.toLowerCase(), JSON.parse(value ?? "") as Record<string, unknown>);
    } catch {
      problems.push(`${key}: not Airflow's JSON form`);
    }
  }
  return { connections, variables, problems };
}

/**
 * Astro Environment Manager: one CONNECTION (`type` for conn_type) or AIRFLOW_VARIABLE object per
 * key at the given scope; two objects for one key is a problem of its own.
 */
export function astroEnvironmentView(astro: AstroEmulator, scope: { scope: string; scopeEntityId: string }): TargetView {
  const objects = astro.environmentObjects().filter((o) => o.scope === scope.scope && o.scopeEntityId === scope.scopeEntityId);
  const connections = new Map<string, Record<string, unknown>>();
  const variables = new Map<string, string>();
  const problems: string[] = [];
  for (const o of objects) {
    if (o.objectType === "CONNECTION") {
      if (connections.has(o.objectKey)) problems.push(`connection ${o.objectKey}: more than one object`);
      const stored = (o.connection ?? {}) as Record<string, unknown>;
      connections.set(o.objectKey, { ...stored, conn_type: stored.type });
    } else if (o.objectType === "AIRFLOW_VARIABLE") {
      if (variables.has(o.objectKey)) problems.push(`variable ${o.objectKey}: more than one object`);
      variables.set(o.objectKey, o.value?.value ?? "");
    } else if (STORM_KEY.test(o.objectKey))
      problems.push(`${o.objectType} ${o.objectKey}: an object of a kind afsync does not write for a key`);
  }
  return { connections, variables, problems };
}
