import type { AirflowKey } from "../model/AirflowKey.ts";
import { type BackendName, type NamingKind, secretIdForKey, secretIdText } from "./backendNaming.ts";
import { namesTeamNamespace } from "./envVars.ts";

/**
 * Airflow's rules for connection ids and variable keys. Errors are what Airflow refuses; warnings
 * are what works in one place and breaks in another (the Airflow 3 REST API, shells, teams).
 */
export interface KeyCheck {
  errors: string[];
  warnings: string[];
}

export const ID_MAX_LENGTH = 250;

// `RE_SANITIZE_CONN_ID = r"^[\w#!()\-.:/\\]{1,}$"`; Python's \w on str is Unicode letters,
// digits/numerics and `_` (core `sanitize_conn_id`, 2.8+ and 3.x).
const CONN_ID_RULE = /^[\p{L}\p{N}_#!()\-.:/\\]+$/u;
// Airflow 3 REST `ConnectionBody.connection_id`: pattern `^[\w.-]+$`, max 200.
const REST_CONN_ID_RULE = /^[\p{L}\p{N}_.-]+$/u;
const REST_CONN_ID_MAX = 200;
// What a POSIX shell can export: the `AIRFLOW_CONN_<ID>` of other ids cannot be set from a shell.
const SHELL_SAFE = /^[A-Za-z0-9_]+$/;

export function validateConnId(id: string): KeyCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (id === "") errors.push("the conn_id is empty");
  else if (id.length > ID_MAX_LENGTH) errors.push(`the conn_id is ${id.length} characters long; Airflow allows at most ${ID_MAX_LENGTH}`);
  else if (!CONN_ID_RULE.test(id)) {
    errors.push(
      "the conn_id may contain only letters, digits, '_', '#', '!', '(', ')', '-', '.', ':', '/' and '\\' (Airflow's sanitize_conn_id drops it otherwise)",
    );
  }
  if (errors.length === 0) {
    if (!REST_CONN_ID_RULE.test(id))
      warnings.push(
        "the Airflow 3 REST API accepts only letters, digits, '_', '.' and '-' in connection_id, so this id cannot be written there",
      );
    else if (id.length > REST_CONN_ID_MAX)
      warnings.push(`the Airflow 3 REST API accepts connection_id up to ${REST_CONN_ID_MAX} characters`);
    if (!SHELL_SAFE.test(id))
      warnings.push("AIRFLOW_CONN_ names with characters other than letters, digits and '_' cannot be exported from a shell");
    if (namesTeamNamespace(id))
      warnings.push("the id spells out a team namespace (_<team>___<id>); Airflow 3.3.1+ env-var lookups never resolve it");
  }
  return { errors, warnings };
}

export function validateVariableKey(key: string): KeyCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (key === "") errors.push("the variable key is empty");
  else if (key.length > ID_MAX_LENGTH)
    errors.push(`the variable key is ${key.length} characters long; Airflow allows at most ${ID_MAX_LENGTH}`);
  if (errors.length === 0) {
    if (!SHELL_SAFE.test(key))
      warnings.push("AIRFLOW_VAR_ names with characters other than letters, digits and '_' cannot be exported from a shell");
    if (namesTeamNamespace(key))
      warnings.push("the key spells out a team namespace (_<team>___<key>); Airflow 3.3.1+ env-var lookups never resolve it");
  }
  return { errors, warnings };
}

export function validateKey(key: AirflowKey): KeyCheck {
  return key.kind === "connection" ? validateConnId(key.id) : validateVariableKey(key.id);
}

export interface KeyCollision {
  readonly secretId: string;
  readonly keys: AirflowKey[];
}

/**
 * Keys that one backend would store under one secret name, so one would overwrite the other:
 * `my_db` and `MY_DB` as env vars, `a_b` and `a-b` in Key Vault.
 */
export function findKeyCollisions(
  keys: readonly AirflowKey[],
  backend: BackendName,
  backendKwargs: Record<string, unknown> = {},
): KeyCollision[] {
  const byId = new Map<string, AirflowKey[]>();
  for (const key of keys) {
    const r = secretIdForKey(backend, key.kind as NamingKind, key.id, backendKwargs);
    if (!r.ok) continue;
    const id = secretIdText(r.secretId);
    const list = byId.get(id);
    if (list === undefined) byId.set(id, [key]);
    else if (!list.some((k) => k.kind === key.kind && k.id === key.id)) list.push(key);
  }
  return [...byId].filter(([, list]) => list.length > 1).map(([secretId, list]) => ({ secretId, keys: list }));
}
