/** An Airflow connection's fields as Airflow stores them from its URI form. */
export interface ConnectionFields {
  readonly conn_type: string;
  readonly host: string;
  readonly login: string;
  readonly password: string;
  readonly port: number;
  readonly schema: string;
}

export const CONNECTION_FIELDS = ["conn_type", "host", "login", "password", "port", "schema"] as const;

/**
 * Airflow's URI form, as the stored connection fields, mapped by hand (never through afsync's
 * parser): the storms only write `postgresql://login:password@host:port/schema`, which Airflow
 * stores with conn_type `postgres`.
 */
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
