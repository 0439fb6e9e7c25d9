/**
 * The emulated metadata database: connections and variables exactly as Airflow stores them
 * (`extra` as text, a variable's value as text). Tests seed and inspect it directly, bypassing
 * the API, to set up "keys that were there before afsync" and to check what really got written.
 */

export interface StoredConnection {
  connection_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  login: string | null;
  schema: string | null;
  port: number | null;
  password: string | null;
  extra: string | null;
}

export interface StoredVariable {
  key: string;
  value: string;
  description: string | null;
}

export const CONNECTION_BODY_FIELDS = ["conn_type", "description", "host", "login", "schema", "port", "password", "extra"] as const;

export class AirflowState {
  /** Insertion order stands in for the primary key order Airflow pages by. */
  readonly connections = new Map<string, StoredConnection>();
  readonly variables = new Map<string, StoredVariable>();

  seedConnection(conn: Partial<StoredConnection> & { connection_id: string; conn_type: string }): void {
    this.connections.set(conn.connection_id, blankConnection(conn));
  }

  seedVariable(key: string, value: string, description: string | null = null): void {
    this.variables.set(key, { key, value, description });
  }
}

/** A connection with every field the body names and null elsewhere (what `overwrite` stores). */
export function blankConnection(body: Partial<StoredConnection> & { connection_id: string; conn_type: string }): StoredConnection {
  return {
    connection_id: body.connection_id,
    conn_type: body.conn_type,
    description: body.description ?? null,
    host: body.host ?? null,
    login: body.login ?? null,
    schema: body.schema ?? null,
    port: body.port ?? null,
    password: body.password ?? null,
    extra: body.extra ?? null,
  };
}

/** `limit`/`offset` as Airflow applies them: a missing or zero limit takes the fallback, and any limit is clamped. */
export function pageOf<T>(items: readonly T[], query: Readonly<Record<string, unknown>>, fallback: number, max: number): T[] {
  const rawLimit = typeof query.limit === "number" ? query.limit : 0;
  const limit = Math.min(rawLimit > 0 ? rawLimit : fallback, max);
  const offset = typeof query.offset === "number" && query.offset > 0 ? query.offset : 0;
  return items.slice(offset, offset + limit);
}
