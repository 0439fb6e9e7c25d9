/**
 * An afsync `Connection` as the Airflow REST API's request body. Every field is sent, so a
 * write replaces the whole connection (a field the source dropped is cleared, not kept);
 * `extra` travels as the JSON text Airflow stores, and an empty `extra` as null, which is how
 * Airflow's own `as_json` treats it.
 */
import type { Connection } from "@afsync/core";
import { pythonJsonDumps } from "@afsync/core/formats/pythonJson";

export interface ConnectionBody {
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

export function connectionBody(connectionId: string, conn: Connection): ConnectionBody | { error: string } {
  if (conn.conn_type === null || conn.conn_type === "") {
    return { error: "the Airflow REST API requires conn_type, and this connection has none" };
  }
  // Python's json.dumps, as Airflow itself writes `extra`: a float stays `1.0`/`1e+20`, NaN stays NaN.
  const extra = conn.extra !== null && Object.keys(conn.extra).length > 0 ? pythonJsonDumps(conn.extra) : null;
  return {
    connection_id: connectionId,
    conn_type: conn.conn_type,
    description: conn.description ?? null,
    host: conn.host,
    login: conn.login,
    schema: conn.schema,
    port: conn.port,
    password: conn.password,
    extra,
  };
}

/**
 * The strings of a connection that must never show up in a message: the password and every
 * string inside `extra` (where tokens and keys live). Used to mask server error echoes.
 */
export function connectionSecrets(conn: Connection): string[] {
  const out: string[] = [];
  if (conn.password) out.push(conn.password);
  if (conn.login) out.push(conn.login);
  const walk = (v: unknown): void => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(conn.extra);
  return out;
}
