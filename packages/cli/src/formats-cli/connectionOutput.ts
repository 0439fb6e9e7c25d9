import type { Connection } from "@afsync/core";
import { connectionToJson } from "@afsync/core/formats/connectionJson";
import { connectionToUri } from "@afsync/core/formats/connectionUri";
import { MASK, maskConnection } from "@afsync/core/formats/redact";

/** The printed shape of `conn parse`: Airflow's fields in its order, extra an object or null. */
export function connectionForOutput(conn: Connection, showSecrets: boolean): Record<string, unknown> {
  const c = showSecrets ? conn : maskConnection(conn);
  const out: Record<string, unknown> = { conn_type: c.conn_type };
  if (c.description !== undefined && c.description !== null) out.description = c.description;
  Object.assign(out, { host: c.host, login: c.login, password: c.password, schema: c.schema, port: c.port, extra: c.extra });
  return out;
}

const QUOTED_MASK = "%2A%2A%2A";

/** The URI, with the password and secret extras shown as `***` unless asked. */
export function uriForOutput(conn: Connection, showSecrets: boolean): string {
  if (showSecrets) return connectionToUri(conn);
  // quote("***") is %2A%2A%2A; show the mask as the mask.
  return connectionToUri(maskConnection(conn)).replaceAll(QUOTED_MASK, MASK);
}

export function jsonForOutput(conn: Connection, showSecrets: boolean): string {
  return connectionToJson(showSecrets ? conn : maskConnection(conn));
}
