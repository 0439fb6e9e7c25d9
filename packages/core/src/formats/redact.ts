import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Connection } from "../model/Connection.ts";

/**
 * Masking as Airflow's secrets masker does it (`airflow/utils/log/secrets_masker.py`): the
 * password, and every extra whose name contains one of the sensitive words, become `***`.
 */
export const MASK = "***";

// DEFAULT_SENSITIVE_FIELDS; Airflow matches them as substrings of the lower-cased, trimmed name.
const SENSITIVE_FIELDS = [
  "access_token",
  "api_key",
  "apikey",
  "authorization",
  "passphrase",
  "passwd",
  "password",
  "private_key",
  "secret",
  "token",
  "keyfile_dict",
  "service_account",
] as const;

/** True when Airflow would hide a value stored under this name (`should_hide_value_for_key`). */
export function isSensitiveFieldName(name: string): boolean {
  const n = name.trim().toLowerCase();
  return SENSITIVE_FIELDS.some((s) => n.includes(s));
}

function maskExtraValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskExtraValue);
  if (value !== null && typeof value === "object") return maskExtra(value as Record<string, unknown>);
  return value;
}

// Whole values under a sensitive name are replaced, whatever their type (Airflow keeps the
// structure and masks the strings; a number or nested key can be just as secret).
function maskExtra(extra: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, isSensitiveFieldName(k) ? MASK : maskExtraValue(v)]));
}

/** The connection with its password and sensitive extras replaced by `***`. */
export function maskConnection(conn: Connection): Connection {
  return {
    ...conn,
    password: conn.password === null ? null : MASK,
    extra: conn.extra === null ? null : maskExtra(conn.extra),
  };
}

/** A masked value: connections as above; a variable's value is always masked (any variable may be a secret). */
export function maskValue(value: AirflowValue): AirflowValue {
  return value.kind === "connection"
    ? { kind: "connection", connection: maskConnection(value.connection) }
    : { kind: "variable", value: MASK };
}
