import { InvalidValueError } from "../errors.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Connection } from "../model/Connection.ts";
import { quoteReceivedName } from "../quoteReceivedName.ts";
import { CONNECTION_CONSTRUCTOR_KEYS, connectionFromFields, FIELD_NAME } from "./connectionFields.ts";
import { parseIntendedConnectionUri } from "./intendedConnectionUri.ts";
import { type LocalFileProblem, type LocalFileRawEntry, type LocalFileType, readLocalFileEntries } from "./localFileEntries.ts";
import { PythonFloat, pythonJsonDumps } from "./pythonJson.ts";

/**
 * The files of Airflow's `LocalFilesystemBackend` (`airflow/secrets/local_filesystem.py`), read
 * the way it reads them (`readLocalFileEntries`: text mode, `.env` lines, `json.loads`, PyYAML's
 * `safe_load`; the caller decodes strict UTF-8 with `decodeStrictUtf8`), then turned into
 * connections or variables as `_create_connection` and `load_variables` do. Connection values
 * are a URI string, a field dict (`Connection(**dict)`: no `from_json` normalization,
 * `extra_dejson` allowed) or a list of one of those.
 *
 * Airflow refuses the whole file when any problem below is found; we return the good entries as
 * well, so a caller can report everything at once and decide (a sync source should treat any
 * problem as a failed read, not as deletions).
 */

export type { LocalFileProblem, LocalFileType };
export type LocalFileKind = "connection" | "variable";

export interface LocalFileEntry {
  readonly key: string;
  readonly value: AirflowValue;
  readonly line?: number;
}

export interface LocalFileParseResult {
  readonly entries: LocalFileEntry[];
  readonly problems: LocalFileProblem[];
}

/**
 * The line of what is at fault: the field the error names (`extra` given as `extra_dejson` is on
 * that key's line), or the string itself when a URI is; undefined keeps the key's line.
 */
function faultLine(
  error: InvalidValueError,
  value: unknown,
  valueLine: number | undefined,
  fieldLines: ReadonlyMap<string, number> | undefined,
): number | undefined {
  if (error.field === undefined) return typeof value === "string" ? valueLine : undefined;
  return fieldLines?.get(error.field) ?? (error.field === "extra" ? fieldLines?.get("extra_dejson") : undefined);
}

/** Python's `type(value)` spelling, for Airflow's "Unexpected value type" message. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (value instanceof Date) return "datetime.datetime";
  if (value instanceof PythonFloat) return "float";
  return "dict";
}

// `_create_connection(conn_id, value)`.
function createConnection(key: string, raw: unknown): Connection {
  // A float stays a PythonFloat: the port rule reads it as int() would, and in `extra` it is
  // written back with Python's repr (`1.0`), as json.dumps does.
  const value = raw;
  if (typeof value === "string") {
    if (value.trimStart().startsWith("{")) {
      // Airflow hands every string to Connection(uri=...): JSON here silently becomes a broken
      // connection, so we refuse it instead of guessing.
      throw new InvalidValueError(
        "the value is JSON text, but the local filesystem backend reads a string as a URI; write the fields as an object instead",
      );
    }
    return parseIntendedConnectionUri(value);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof PythonFloat)) {
    const dict = { ...(value as Record<string, unknown>) };
    const allowed = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, "conn_id", "extra_dejson"]);
    const illegal = Object.keys(dict).filter((k) => !allowed.has(k));
    if (illegal.length > 0) {
      throw new InvalidValueError(
        `The object have illegal keys: ${illegal.map((k) => quoteReceivedName(k, FIELD_NAME, "")).join(", ")}. The dictionary can only contain the following keys: ${[...allowed].join(", ")}`,
        { field: illegal[0] as string },
      );
    }
    if ("extra" in dict && "extra_dejson" in dict) {
      throw new InvalidValueError("The extra and extra_dejson parameters are mutually exclusive. Please provide only one parameter.", {
        field: "extra_dejson",
      });
    }
    if ("extra_dejson" in dict) {
      dict.extra = pythonJsonDumps(dict.extra_dejson);
      delete dict.extra_dejson;
    }
    if ("conn_id" in dict && dict.conn_id !== key) {
      throw new InvalidValueError(
        `Mismatch conn_id. The dictionary key has the value: ${String(dict.conn_id)}. The item has the value: ${key}.`,
        { field: "conn_id" },
      );
    }
    return connectionFromFields(dict, { normalizeType: false, ignoreKeys: ["conn_id"], parseUri: parseIntendedConnectionUri });
  }
  throw new InvalidValueError(
    `Unexpected value type: <class '${pythonTypeName(raw)}'>. The connection can only be defined using a string or object.`,
  );
}

function variableText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Date) return value.toISOString();
  // Airflow hands the parsed object itself to the caller; as a string value it is its JSON.
  return pythonJsonDumps(value);
}

/**
 * Parses the text of a LocalFilesystemBackend file. `fileName` is only used in messages that
 * Airflow words with it ("Found multiple values for X in a.json.").
 */
export function parseLocalFilesystemFile(
  text: string,
  fileType: LocalFileType,
  kind: LocalFileKind,
  options: { fileName?: string } = {},
): LocalFileParseResult {
  const problems: LocalFileProblem[] = [];
  const raw: LocalFileRawEntry[] = readLocalFileEntries(text, fileType, problems);
  const entries: LocalFileEntry[] = [];
  const fileName = options.fileName ?? `the ${fileType} file`;
  for (const { key, values, line, valueLine, fieldLines, unusable } of raw) {
    const at = line === undefined ? { key } : { key, line };
    if (unusable !== undefined) {
      problems.push({ ...at, ...(unusable.line === undefined ? {} : { line: unusable.line }), message: unusable.message });
      continue;
    }
    if (kind === "variable") {
      if (fileType === "env") {
        const list = values as string[];
        if (list.length !== 1) {
          problems.push({ ...at, message: `The "${fileName}" file contains multiple values for keys: ['${key}']` });
          continue;
        }
        entries.push({ ...at, value: { kind: "variable", value: list[0] as string } });
        continue;
      }
      if (values === null || values === undefined) {
        problems.push({ ...at, message: "The value is null; Airflow treats the variable as not defined." });
        continue;
      }
      entries.push({ ...at, value: { kind: "variable", value: variableText(values) } });
      continue;
    }
    const candidates = Array.isArray(values) ? values : [values];
    if (candidates.length > 1) {
      problems.push({ ...at, message: `Found multiple values for ${key} in ${fileName}.` });
      continue;
    }
    if (candidates.length === 0) continue; // an empty list defines nothing, as in Airflow
    try {
      entries.push({ ...at, value: { kind: "connection", connection: createConnection(key, candidates[0]) } });
    } catch (e) {
      if (!(e instanceof InvalidValueError)) throw e;
      const fieldLine = faultLine(e, candidates[0], valueLine, fieldLines);
      problems.push({ ...at, ...(fieldLine === undefined ? {} : { line: fieldLine }), message: e.message });
    }
  }
  problems.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  return { entries, problems };
}
