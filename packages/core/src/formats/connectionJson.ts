import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { connectionFromFields } from "./connectionFields.ts";
import { parseIntendedConnectionUri } from "./intendedConnectionUri.ts";
import { JsonSyntaxError, parsePythonJson, pythonJsonDumps } from "./pythonJson.ts";

/**
 * Airflow's JSON form of a connection: `Connection.from_json` (what every backend uses for a
 * value starting with `{`, and `AIRFLOW_CONN_*` since 2.3) and `Connection.as_json` (2.8+).
 */

/** Reads a JSON text into an object, or says clearly why it is not one. */
export function parseJsonObject(json: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parsePythonJson(json);
  } catch (e) {
    throw new InvalidValueError(`${what} is not valid JSON: ${e instanceof JsonSyntaxError ? e.message : "syntax error"}`, { cause: e });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InvalidValueError(
      `${what} must be a JSON object, got ${parsed === null ? "null" : Array.isArray(parsed) ? "a list" : `a ${typeof parsed}`}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * `Connection.from_json(value)` of the newest release: `conn_type` normalized, `port` read with
 * `int()` (see normalizePort), `extra` as an object or a JSON-object string, unknown keys refused
 * as Python's constructor refuses them.
 */
export function connectionFromJson(json: string | Record<string, unknown>): Connection {
  const fields = typeof json === "string" ? parseJsonObject(json, "connection JSON") : json;
  return connectionFromFields(fields, { where: "connection JSON: ", normalizeType: true, parseUri: parseIntendedConnectionUri });
}

/**
 * `Connection.as_json()`: keys in the order conn_type, description, host, login, password,
 * schema, port, extra; None pruned ("" and 0 kept); extra only when non-empty; Python's
 * `json.dumps` spacing and ASCII escaping.
 */
export function connectionToJson(conn: Connection): string {
  const out: Record<string, unknown> = {};
  const scalar: [string, unknown][] = [
    ["conn_type", conn.conn_type],
    ["description", conn.description ?? null],
    ["host", conn.host],
    ["login", conn.login],
    ["password", conn.password],
    ["schema", conn.schema],
    ["port", conn.port],
  ];
  for (const [k, v] of scalar) if (v !== null) out[k] = v;
  if (conn.extra !== null && Object.keys(conn.extra).length > 0) out.extra = conn.extra;
  return pythonJsonDumps(out);
}
