/**
 * An Airflow connection as Airflow's `Connection` model holds it once parsed. `extra` is the
 * parsed `extra_dejson` (a JSON object) or null when the connection has no extra; Airflow keeps
 * the raw string, and the formats in `formats/` turn one into the other exactly as Airflow does.
 */
export interface Connection {
  conn_type: string | null;
  description?: string | null;
  host: string | null;
  login: string | null;
  password: string | null;
  schema: string | null;
  port: number | null;
  extra: Record<string, unknown> | null;
}

export const CONNECTION_FIELDS = ["conn_type", "description", "host", "login", "password", "schema", "port", "extra"] as const;
