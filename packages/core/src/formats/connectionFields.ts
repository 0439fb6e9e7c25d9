import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { JsonSyntaxError, parseJsonSafely, pythonJsonDumps } from "./pythonJson.ts";

/**
 * Building a Connection from named fields, with the checks Airflow's `Connection.__init__` and
 * `Connection.from_json` apply (newest release: port range and type, `extra` must be a JSON object).
 * Shared by the JSON form, the backend dict forms and the local-filesystem files.
 */

/** The keyword arguments `Connection(...)` accepts (besides `conn_id`). */
export const CONNECTION_CONSTRUCTOR_KEYS = [
  "conn_type",
  "description",
  "host",
  "login",
  "password",
  "schema",
  "port",
  "extra",
  "uri",
] as const;

/** `Connection._normalize_conn_type`: `postgresql` → `postgres`, otherwise every `-` → `_`. */
export function normalizeConnType(connType: string): string {
  if (connType === "postgresql") return "postgres";
  return connType.replaceAll("-", "_");
}

/** A connection with every field null, the starting point of every parser. */
export function emptyConnection(): Connection {
  return { conn_type: null, host: null, login: null, password: null, schema: null, port: null, extra: null };
}

/**
 * The port rule of the newest `from_json` (core and Task SDK): `""` is no port, a string must be
 * an integer as Python's `int()` reads it, and the result must be an int in 0..65535. Older
 * releases used `if port:` (so 0 became None and 1.5 became 1); we follow the newest.
 */
export function normalizePort(value: unknown, where: string): number | null {
  if (value === null || value === undefined || value === "") return null;
  let port: unknown = value;
  if (typeof value === "string") {
    // Python int() accepts surrounding whitespace, a sign and digit-group underscores.
    const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(value);
    if (m === null)
      throw new InvalidValueError(`${where}port: expected an integer value for \`port\`, but got a non-numeric string`, { field: "port" });
    port = Number(`${m[1]}${(m[2] as string).replaceAll("_", "")}`);
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    const got = typeof port === "number" ? String(port) : `a ${Array.isArray(port) ? "list" : typeof port}`;
    throw new InvalidValueError(`${where}port: expected an integer in the range 0-65535, got ${got}`, { field: "port" });
  }
  return port;
}

/**
 * Airflow 3's `Connection._validate_extra`: the extra text must decode to a JSON object. (2.x
 * only warned; a list or plain string extra is refused here as the newest release does.)
 */
export function parseExtraText(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(text);
  } catch (e) {
    const detail = e instanceof JsonSyntaxError ? `: ${e.message}` : "";
    throw new InvalidValueError(`${where}extra: encountered non-JSON in \`extra\`${detail}; Airflow 3 requires a JSON object`, {
      field: "extra",
    });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    const got = parsed === null ? "null" : Array.isArray(parsed) ? "a list" : `a ${typeof parsed}`;
    throw new InvalidValueError(`${where}extra: encountered JSON value in \`extra\` which does not parse as a dictionary (got ${got})`, {
      field: "extra",
    });
  }
  return parsed as Record<string, unknown>;
}

/** Turns an `extra` given as object or JSON text into the model's object; falsy means no extra, as `if extra:` does. */
export function normalizeExtra(value: unknown, where: string): Record<string, unknown> | null {
  if (value === null || value === undefined || value === "" || value === false || value === 0) return null;
  if (typeof value === "string") return parseExtraText(value, where);
  if (typeof value === "object" && !Array.isArray(value)) {
    return Object.keys(value).length === 0 ? null : (value as Record<string, unknown>);
  }
  // Airflow would json.dumps a list or number and then refuse it in _validate_extra.
  return parseExtraText(pythonJsonDumps(value), where);
}

function stringField(fields: Record<string, unknown>, name: string, where: string): string | null {
  const v = fields[name];
  if (v === null || v === undefined) return null;
  if (typeof v !== "string")
    throw new InvalidValueError(`${where}${name}: expected a string or null, got a ${Array.isArray(v) ? "list" : typeof v}`, {
      field: name,
    });
  return v;
}

export interface FieldsOptions {
  /** Prefix for error messages, e.g. `connection JSON: `. */
  readonly where?: string;
  /** `from_json` normalizes `conn_type`; the bare constructor (local-filesystem dicts) does not. */
  readonly normalizeType?: boolean;
  /** Extra keys allowed and ignored (`conn_id` in local-filesystem dicts, checked by the caller). */
  readonly ignoreKeys?: readonly string[];
  /** Parses the `uri` key; injected to keep this module free of the URI parser (no import cycle). */
  readonly parseUri?: (uri: string) => Connection;
}

/**
 * `Connection(**fields)` / `Connection.from_json(json.dumps(fields))`. Unknown keys are refused
 * (Python raises TypeError); `uri` may not be mixed with other fields except `description`.
 */
export function connectionFromFields(fields: Record<string, unknown>, options: FieldsOptions = {}): Connection {
  const where = options.where ?? "";
  const allowed = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, ...(options.ignoreKeys ?? [])]);
  for (const key of Object.keys(fields)) {
    if (!allowed.has(key)) {
      throw new InvalidValueError(
        `${where}unexpected key '${key}'; a connection accepts only ${CONNECTION_CONSTRUCTOR_KEYS.filter((k) => k !== "uri").join(", ")} (or uri)`,
        { field: key },
      );
    }
  }
  const description = stringField(fields, "description", where);
  const uri = fields.uri;
  if (uri !== undefined && uri !== null && uri !== "") {
    if (typeof uri !== "string") throw new InvalidValueError(`${where}uri: expected a string`, { field: "uri" });
    const mixed = ["conn_type", "host", "login", "password", "schema", "port", "extra"].filter((k) => {
      const v = fields[k];
      return v !== undefined && v !== null && v !== "" && v !== 0 && v !== false;
    });
    if (mixed.length > 0) {
      throw new InvalidValueError(
        // Core's wording, missing space included, so messages match what users see from Airflow.
        `${where}You must create an object using the URI or individual values (conn_type, host, login, password, schema, port or extra).You can't mix these two ways to create this object. Found uri together with ${mixed.join(", ")}.`,
        { field: "uri" },
      );
    }
    const parseUri = options.parseUri;
    if (parseUri === undefined) throw new InvalidValueError(`${where}uri: a URI is not accepted here`);
    const conn = fieldAtFault("uri", () => parseUri(uri));
    return description === null ? conn : { ...conn, description };
  }
  const rawType = stringField(fields, "conn_type", where);
  // from_json applies `if conn_type:`, so "" is no type; the bare constructor keeps it.
  const connType = rawType === null || options.normalizeType === false ? rawType : rawType === "" ? null : normalizeConnType(rawType);
  const password = stringField(fields, "password", where);
  const conn: Connection = {
    conn_type: connType,
    host: stringField(fields, "host", where),
    login: stringField(fields, "login", where),
    // The core ORM's password setter stores only truthy values: "" reads back as None.
    password: password === "" ? null : password,
    schema: stringField(fields, "schema", where),
    port: normalizePort(fields.port, where),
    extra: normalizeExtra(fields.extra, where),
  };
  return description === null ? conn : { ...conn, description };
}

/** Runs `parse`, tagging an InvalidValueError that names no field with `field`. */
function fieldAtFault<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof InvalidValueError && e.field === undefined) throw new InvalidValueError(e.message, { cause: e, field });
    throw e;
  }
}
