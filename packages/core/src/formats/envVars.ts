import type { AirflowKey } from "../model/AirflowKey.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import { connectionToJson } from "./connectionJson.ts";

/**
 * Airflow's `EnvironmentVariablesBackend` naming: `AIRFLOW_CONN_` + conn_id.upper() and
 * `AIRFLOW_VAR_` + key.upper(). Only the case changes (`-` and `.` stay, even though most shells
 * cannot export such names), so lookups through env vars ignore case.
 */
export const CONN_ENV_PREFIX = "AIRFLOW_CONN_";
export const VAR_ENV_PREFIX = "AIRFLOW_VAR_";

// Airflow 3.3.1+: `AIRFLOW_CONN__<TEAM>___<ID>` is a team-scoped name, and a global id spelling
// one out is never resolved.
const TEAM_NAMESPACE = /^_[a-zA-Z0-9-]{3,50}___.+$/s;

/** True when Airflow 3.3.1+ refuses this id in a global env-var lookup (it spells a team namespace). */
export function namesTeamNamespace(id: string): boolean {
  return TEAM_NAMESPACE.test(id);
}

/** The environment variable Airflow reads for a key (JS toUpperCase and Python str.upper both use full Unicode case mapping). */
export function envVarNameFor(key: AirflowKey): string {
  return (key.kind === "connection" ? CONN_ENV_PREFIX : VAR_ENV_PREFIX) + key.id.toUpperCase();
}

/** The team-scoped variable name of Airflow 3.3.1+ multi-team mode, tried before the global one. */
export function teamEnvVarNameFor(key: AirflowKey, team: string): string {
  return `${key.kind === "connection" ? CONN_ENV_PREFIX : VAR_ENV_PREFIX}_${team.toUpperCase()}___${key.id.toUpperCase()}`;
}

/**
 * The key an environment variable holds, or null when it is not one of Airflow's (or names a
 * team namespace). The id comes back lower-cased: Airflow's lookup upper-cases the id, so any
 * casing reads this variable, and lower case is Airflow's convention for conn ids and the form
 * afsync writes back. Callers that know their keys should compare with `envVarNameFor` instead.
 */
export function keyFromEnvVarName(name: string): AirflowKey | null {
  for (const [prefix, kind] of [
    [CONN_ENV_PREFIX, "connection"],
    [VAR_ENV_PREFIX, "variable"],
  ] as const) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (rest === "" || namesTeamNamespace(rest)) return null;
    return { kind, id: rest.toLowerCase() };
  }
  return null;
}

/** The value to put in the variable: a connection in Airflow's JSON form (2.3+), a variable verbatim. */
export function envVarValueFor(value: AirflowValue): string {
  return value.kind === "connection" ? connectionToJson(value.connection) : value.value;
}
