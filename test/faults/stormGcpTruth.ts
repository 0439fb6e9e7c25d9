/**
 * What every GCP storm target must hold, computed plainly from the Secret Manager emulator's final
 * state (read back with the official client) and the first-listed-source-wins rule — never
 * through afsync's code — and the comparison of each target with it, naming keys, never values.
 */
import type { AirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import type { AstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";

/** The two sources of the storm's config, by the prefixes of their secret ids. */
export const STORM_PREFIXES = {
  main: { connections: "airflow-connections-", variables: "airflow-variables-" },
  team: { connections: "team-connections-", variables: "team-variables-" },
} as const;
export type StormSourceName = keyof typeof STORM_PREFIXES;

/** An Airflow connection's fields as Airflow stores them from its URI form. */
export interface ConnectionFields {
  readonly conn_type: string;
  readonly host: string;
  readonly login: string;
  readonly password: string;
  readonly port: number;
  readonly schema: string;
}

export interface SourceState {
  readonly connections: Map<string, string>;
  readonly variables: Map<string, string>;
}

/** What one Deployment must hold: connection id → fields, variable → value. */
export interface DeploymentTruth {
  readonly connections: Map<string, ConnectionFields>;
  readonly variables: Map<string, string>;
}

/**
 * Every secret's latest version, by source, through ListSecrets and AccessSecretVersion. An
 * injected fault the storm left pending (one-shot, on a read method) is simply read past.
 */
export async function readProviderState(
  admin: SecretManagerServiceClient,
  projectId: string,
): Promise<Record<StormSourceName, SourceState>> {
  const state: Record<StormSourceName, SourceState> = {
    main: { connections: new Map(), variables: new Map() },
    team: { connections: new Map(), variables: new Map() },
  };
  const [secrets] = await pastInjectedFaults(() => admin.listSecrets({ parent: `projects/${projectId}` }));
  for (const secret of secrets) {
    const id = (secret.name ?? "").split("/").pop() ?? "";
    for (const source of Object.keys(STORM_PREFIXES) as StormSourceName[]) {
      for (const kind of ["connections", "variables"] as const) {
        const prefix = STORM_PREFIXES[source][kind];
        if (!id.startsWith(prefix)) continue;
        const [version] = await pastInjectedFaults(() => admin.accessSecretVersion({ name: `${secret.name}/versions/latest` })).catch(
          (error: { code?: number }) => {
            // A secret created whose first version has not been added: it holds nothing.
            if (error.code === 5 || error.code === 9) return [undefined];
            throw error;
          },
        );
        const data = version?.payload?.data;
        if (data === undefined || data === null) continue;
        state[source][kind].set(id.slice(prefix.length), Buffer.from(data).toString("utf8"));
      }
    }
  }
  return state;
}

/** Sources listed first win: the later ones are laid down first and overwritten. */
export function mergeSources(state: Record<StormSourceName, SourceState>, order: readonly StormSourceName[]): DeploymentTruth {
  const connections = new Map<string, ConnectionFields>();
  const variables = new Map<string, string>();
  for (const source of [...order].reverse()) {
    for (const [id, uri] of state[source].connections) connections.set(id, connectionFields(uri));
    for (const [key, value] of state[source].variables) variables.set(key, value);
  }
  return { connections, variables };
}

/** Airflow's URI form, as the stored connection fields (the storm only writes `postgresql://`). */
export function connectionFields(value: string): ConnectionFields {
  const uri = new URL(value);
  return {
    conn_type: uri.protocol === "postgresql:" ? "postgres" : uri.protocol.slice(0, -1),
    host: uri.hostname,
    login: decodeURIComponent(uri.username),
    password: decodeURIComponent(uri.password),
    port: Number(uri.port),
    schema: uri.pathname.slice(1),
  };
}

const FIELDS = ["conn_type", "host", "login", "password", "port", "schema"] as const;

function compareConnection(where: string, want: ConnectionFields, got: Record<string, unknown> | undefined, out: string[]): void {
  if (got === undefined) {
    out.push(`${where}: missing`);
    return;
  }
  for (const field of FIELDS) if (got[field] !== want[field]) out.push(`${where}: ${field} differs`);
}

/** An Airflow API target (either version: both store the metadata database's rows). */
export function compareAirflow(name: string, truth: DeploymentTruth, airflow: AirflowEmulator): string[] {
  const out: string[] = [];
  for (const [id, want] of truth.connections)
    compareConnection(`${name} connection ${id}`, want, airflow.state.connections.get(id) as Record<string, unknown> | undefined, out);
  for (const id of airflow.state.connections.keys())
    if (id.startsWith("storm_") && !truth.connections.has(id)) out.push(`${name} connection ${id}: should be deleted`);
  for (const [key, want] of truth.variables)
    if (airflow.state.variables.get(key)?.value !== want) out.push(`${name} variable ${key}: missing or differs`);
  for (const key of airflow.state.variables.keys())
    if (key.startsWith("storm_") && !truth.variables.has(key)) out.push(`${name} variable ${key}: should be deleted`);
  return out;
}

/** Astro env vars: `AIRFLOW_CONN_<ID>` in Airflow's JSON form, `AIRFLOW_VAR_<KEY>` as is. */
export function compareAstroEnvVars(name: string, truth: DeploymentTruth, astro: AstroEmulator, org: string, deployment: string): string[] {
  const out: string[] = [];
  const env = new Map((astro.deployment(org, deployment)?.environmentVariables ?? []).map((v) => [v.key, v.value ?? ""]));
  for (const [id, want] of truth.connections) {
    const raw = env.get(`AIRFLOW_CONN_${id.toUpperCase()}`);
    let got: Record<string, unknown> | undefined;
    try {
      got = raw === undefined ? undefined : (JSON.parse(raw) as Record<string, unknown>);
    } catch {
      out.push(`${name} AIRFLOW_CONN_${id.toUpperCase()}: not Airflow's JSON form`);
      continue;
    }
    compareConnection(`${name} AIRFLOW_CONN_${id.toUpperCase()}`, want, got, out);
  }
  for (const [key, want] of truth.variables)
    if (env.get(`AIRFLOW_VAR_${key.toUpperCase()}`) !== want) out.push(`${name} AIRFLOW_VAR_${key.toUpperCase()}: missing or differs`);
  for (const key of env.keys()) {
    const conn = /^AIRFLOW_CONN_(STORM_.*)$/.exec(key)?.[1]?.toLowerCase();
    const variable = /^AIRFLOW_VAR_(STORM_.*)$/.exec(key)?.[1]?.toLowerCase();
    if (conn !== undefined && !truth.connections.has(conn)) out.push(`${name} ${key}: should be deleted`);
    if (variable !== undefined && !truth.variables.has(variable)) out.push(`${name} ${key}: should be deleted`);
  }
  return out;
}

/** Astro Environment Manager: one CONNECTION (`type` for conn_type) or AIRFLOW_VARIABLE object per key. */
export function compareAstroEnvironment(name: string, truth: DeploymentTruth, astro: AstroEmulator, workspace: string): string[] {
  const out: string[] = [];
  const objects = astro.environmentObjects().filter((o) => o.scope === "WORKSPACE" && o.scopeEntityId === workspace);
  const connections = new Map(objects.filter((o) => o.objectType === "CONNECTION").map((o) => [o.objectKey, o]));
  const variables = new Map(objects.filter((o) => o.objectType === "AIRFLOW_VARIABLE").map((o) => [o.objectKey, o]));
  for (const [id, want] of truth.connections) {
    const stored = connections.get(id)?.connection;
    compareConnection(`${name} connection ${id}`, want, stored === undefined ? undefined : { ...stored, conn_type: stored.type }, out);
  }
  for (const [key, want] of truth.variables)
    if (variables.get(key)?.value?.value !== want) out.push(`${name} variable ${key}: missing or differs`);
  for (const key of connections.keys())
    if (key.startsWith("storm_") && !truth.connections.has(key)) out.push(`${name} connection ${key}: should be deleted`);
  for (const key of variables.keys())
    if (key.startsWith("storm_") && !truth.variables.has(key)) out.push(`${name} variable ${key}: should be deleted`);
  return out;
}

/** Every stored field, with sorted field names (the emulators rebuild records, so only order may differ). */
export function exactRecord(record: object | undefined): string {
  return JSON.stringify(record === undefined ? null : Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** Retries a read the storm's leftover one-shot faults (RESOURCE_EXHAUSTED, UNAVAILABLE…) hit. */
async function pastInjectedFaults<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (attempt >= 20 || !(code === 4 || code === 8 || code === 13 || code === 14)) throw error;
    }
  }
}
