import { InvalidValueError } from "../errors.ts";
import type { Connection } from "../model/Connection.ts";
import { quoteReceivedName } from "../quoteReceivedName.ts";
import { JsonSyntaxError, PythonFloat, parsePythonJson, pythonJsonDumps } from "./pythonJson.ts";

/**
 * Building a Connection from named fields, with the checks Airflow's `Connection.__init__` and
 * `Connection.from_json` apply (newest release: port range and type, `extra` must be a JSON object).
 * Shared by the JSON form, the backend dict forms and the local-filesystem files.
 */

/** The keyword arguments `Connection(...)` accepts (besides `conn_id`). */
/**
 * A field name shown in a message as it is; any other (a value run into its key by a broken
 * line or quote) is only described, so the message never carries what the input held.
 */
export const FIELD_NAME = /^[A-Za-z_][\w.-]{0,63}$/;

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

// The spaces Python's int() strips: str.isspace() but U+001C..U+001F (measured on CPython 3.11),
// which is JavaScript's \s without U+FEFF, plus U+0085.
const PY_SPACE = "[\\t\\n\\v\\f\\r\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]";
const PY_INT_TEXT = new RegExp(`^${PY_SPACE}*([+-]?)(\\p{Nd}+(?:_\\p{Nd}+)*)${PY_SPACE}*$`, "u");

// A Unicode decimal digit's value: Nd digits come in runs of ten starting at zero (a Unicode
// stability policy), so the value is the count of digits before it in its run, modulo ten.
function digitValue(ch: string): number {
  let cp = ch.codePointAt(0) as number;
  let n = 0;
  while (/\p{Nd}/u.test(String.fromCodePoint(cp - 1))) {
    cp--;
    n++;
  }
  return n % 10;
}

/** Python's `int(text)`, or null when Python raises ValueError. */
function pythonIntFromText(text: string): number | null {
  const m = PY_INT_TEXT.exec(text);
  if (m === null) return null;
  let digits = "";
  for (const ch of (m[2] as string).replaceAll("_", "")) digits += String(digitValue(ch));
  return Number(`${m[1]}${digits}`);
}

/**
 * The port rule of the newest core `Connection.from_json`: `if port: port = int(port)`. So a
 * falsy port (0, "", false, an empty list) is no port, a string goes through `int()` (spaces,
 * a sign, `_` digit groups and any Unicode decimal digits), and any integer is kept, even one a
 * URI could not carry (-1, 70000). afsync refuses what Airflow would read other than intended:
 * a fraction `int()` would truncate (1.5 → 1), a boolean (`true` → 1), and an integer beyond
 * 2^53, which it cannot hold exactly.
 */
export function normalizePort(value: unknown, where: string): number | null {
  const raw = value instanceof PythonFloat ? value.value : value;
  if (raw === null || raw === undefined || raw === "" || raw === 0 || raw === false) return null;
  if (Array.isArray(raw) && raw.length === 0) return null;
  if (typeof raw === "object" && !Array.isArray(raw) && Object.keys(raw).length === 0) return null;
  let port: number;
  if (typeof raw === "string") {
    const parsed = pythonIntFromText(raw);
    if (parsed === null)
      throw new InvalidValueError(`${where}port: expected an integer value for \`port\`, but got a non-numeric string`, { field: "port" });
    port = parsed;
  } else if (typeof raw === "number") {
    if (Number.isNaN(raw) || !Number.isFinite(raw))
      throw new InvalidValueError(`${where}port: expected an integer, got ${String(raw)}`, { field: "port" });
    if (!Number.isInteger(raw)) {
      // from_json's int() would silently truncate it; the bare constructor keeps a float no client can use.
      throw new InvalidValueError(`${where}port: ${String(raw)} is not a whole number`, { field: "port" });
    }
    port = raw;
  } else if (typeof raw === "bigint") {
    port = Number.NaN; // beyond 2^53: refused below as not exactly holdable
  } else if (typeof raw === "boolean") {
    throw new InvalidValueError(`${where}port: expected an integer, got a boolean (Airflow's int() would read true as port 1)`, {
      field: "port",
    });
  } else {
    throw new InvalidValueError(`${where}port: expected an integer, got a ${Array.isArray(raw) ? "list" : typeof raw}`, { field: "port" });
  }
  if (!Number.isSafeInteger(port))
    throw new InvalidValueError(`${where}port: an integer beyond 2^53 cannot be held exactly`, { field: "port" });
  // int("-0") is 0, which stays a port (a string is truthy); JavaScript's -0 is written "0".
  return port === 0 ? 0 : port;
}

/**
 * Airflow 3's `Connection._validate_extra`: the extra text must decode to a JSON object. (2.x
 * only warned; a list or plain string extra is refused here as the newest release does.)
 */
export function parseExtraText(text: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parsePythonJson(text);
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
  if (value instanceof PythonFloat && value.value === 0) return null;
  if (Array.isArray(value) && value.length === 0) return null;
  if (typeof value === "string") return parseExtraText(value, where);
  if (typeof value === "object" && !Array.isArray(value)) {
    return Object.keys(value).length === 0 ? null : (value as Record<string, unknown>);
  }
  // Airflow would json.dumps a list or number and then refuse it in _validate_extra.
  return parseExtraText(pythonJsonDumps(value), where);
}

/** Python's truthiness of a JSON value: null, false, 0, 0.0, "", [] and {} are false. */
export function pythonTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return false;
  if (v instanceof PythonFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
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
        `${where}unexpected key ${quoteReceivedName(key, FIELD_NAME, "'")}; a connection accepts only ${CONNECTION_CONSTRUCTOR_KEYS.filter((k) => k !== "uri").join(", ")} (or uri)`,
        { field: key },
      );
    }
  }
  const description = stringField(fields, "description", where);
  const uri = fields.uri;
  if (uri !== undefined && uri !== null && uri !== "") {
    if (typeof uri !== "string") throw new InvalidValueError(`${where}uri: expected a string`, { field: "uri" });
    const mixed = ["conn_type", "host", "login", "password", "schema", "port", "extra"].filter((k) => pythonTruthy(fields[k]));
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
  // from_json applies `if conn_type:`, so any falsy type is no type.
  const rawType = options.normalizeType !== false && !pythonTruthy(fields.conn_type) ? null : stringField(fields, "conn_type", where);
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
