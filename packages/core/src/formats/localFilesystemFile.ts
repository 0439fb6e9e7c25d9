import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import { InvalidValueError } from "../errors.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Connection } from "../model/Connection.ts";
import { CONNECTION_CONSTRUCTOR_KEYS, connectionFromFields } from "./connectionFields.ts";
import { parseConnectionUri } from "./connectionUri.ts";
import { JsonSyntaxError, locateJsonError, PythonFloat, parsePythonJson, pythonJsonDumps, topLevelKeyLines } from "./pythonJson.ts";
import { pyyamlTags } from "./pyyamlSchema.ts";

/**
 * The files of Airflow's `LocalFilesystemBackend` (`airflow/secrets/local_filesystem.py`), read
 * the way it reads them: `.env` (`KEY=VALUE`, no trimming, quotes kept), JSON and YAML (PyYAML's
 * safe_load is YAML 1.1: `yes`/`no` are booleans, `None` is a string). Connection values are a URI
 * string, a field dict (`Connection(**dict)`: no `from_json` normalization, `extra_dejson`
 * allowed) or a list of one of those.
 *
 * Airflow refuses the whole file when any problem below is found; we return the good entries as
 * well, so a caller can report everything at once and decide (a sync source should treat any
 * problem as a failed read, not as deletions).
 */

export type LocalFileType = "json" | "yaml" | "env";
export type LocalFileKind = "connection" | "variable";

export interface LocalFileEntry {
  readonly key: string;
  readonly value: AirflowValue;
  readonly line?: number;
}

export interface LocalFileProblem {
  readonly key?: string;
  readonly line?: number;
  readonly message: string;
}

export interface LocalFileParseResult {
  readonly entries: LocalFileEntry[];
  readonly problems: LocalFileProblem[];
}

interface RawEntry {
  readonly key: string;
  readonly values: unknown;
  readonly line?: number;
}

// Python's str.splitlines() boundaries.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are line breaks to Python
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

function parseEnv(text: string, problems: LocalFileProblem[]): RawEntry[] {
  const byKey = new Map<string, { values: string[]; line: number }>();
  text.split(LINE_BREAK).forEach((line, index) => {
    const lineNo = index + 1;
    if (line === "" || /^\s*#/.test(line)) return;
    const eq = line.indexOf("=");
    if (eq < 0) {
      problems.push({ line: lineNo, message: 'Invalid line format. The line should contain at least one equal sign ("=").' });
      return;
    }
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "") {
      problems.push({ line: lineNo, message: "Invalid line format. Key is empty." });
      return;
    }
    if (value === "") {
      problems.push({ key, line: lineNo, message: "Invalid line format. Value is empty." });
      return;
    }
    const slot = byKey.get(key);
    if (slot === undefined) byKey.set(key, { values: [value], line: lineNo });
    else slot.values.push(value);
  });
  return [...byKey].map(([key, { values, line }]) => ({ key, values, line }));
}

function parseJson(text: string, problems: LocalFileProblem[]): RawEntry[] {
  if (text === "") {
    problems.push({ line: 1, message: "The file is empty." });
    return [];
  }
  let parsed: unknown;
  try {
    // json.loads: a float stays a float (written back as `1.0`, `1e+20`), NaN and Infinity read.
    parsed = parsePythonJson(text);
  } catch (e) {
    const err = e instanceof JsonSyntaxError ? e : locateJsonError(text);
    problems.push({ line: err?.position.line ?? 1, message: err instanceof JsonSyntaxError ? err.message : "The file is not valid JSON." });
    return [];
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    problems.push({ line: 1, message: "The file should contain the object." });
    return [];
  }
  const lines = topLevelKeyLines(text);
  return Object.entries(parsed).map(([key, values]) => {
    const line = lines.get(key);
    return line === undefined ? { key, values } : { key, values, line };
  });
}

function parseYaml(text: string, problems: LocalFileProblem[]): RawEntry[] {
  if (text === "") {
    problems.push({ line: 1, message: "The file is empty." });
    return [];
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const doc = parseDocument(text, { version: "1.1", customTags: pyyamlTags, uniqueKeys: false, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const line = err.linePos?.[0].line ?? lineCounter.linePos(err.pos[0]).line;
      problems.push({ line, message: `YAML syntax error: ${err.message.split("\n")[0] ?? err.code}` });
    }
    return [];
  }
  if (!isMap(doc.contents)) {
    problems.push({ line: 1, message: "The file should contain the object." });
    return [];
  }
  let values: Record<string, unknown>;
  try {
    values = doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>;
  } catch (e) {
    // An alias to an anchor defined later, or an alias bomb: refused as PyYAML refuses them.
    problems.push({
      line: 1,
      message: `YAML error: ${e instanceof Error ? (e.message.split("\n")[0] ?? "invalid document") : "invalid document"}`,
    });
    return [];
  }
  const lines = new Map<string, number>();
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    if (isScalar(keyNode) && keyNode.range) lines.set(String(keyNode.value), lineCounter.linePos(keyNode.range[0]).line);
  }
  return Object.entries(values).map(([key, v]) => {
    const line = lines.get(key);
    return line === undefined ? { key, values: v } : { key, values: v, line };
  });
}

/** Python's `type(value)` spelling, for Airflow's "Unexpected value type" message. */
function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
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
    return parseConnectionUri(value);
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    const dict = { ...(value as Record<string, unknown>) };
    const allowed = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, "conn_id", "extra_dejson"]);
    const illegal = Object.keys(dict).filter((k) => !allowed.has(k));
    if (illegal.length > 0) {
      throw new InvalidValueError(
        `The object have illegal keys: ${illegal.join(", ")}. The dictionary can only contain the following keys: ${[...allowed].join(", ")}`,
      );
    }
    if ("extra" in dict && "extra_dejson" in dict) {
      throw new InvalidValueError("The extra and extra_dejson parameters are mutually exclusive. Please provide only one parameter.");
    }
    if ("extra_dejson" in dict) {
      dict.extra = pythonJsonDumps(dict.extra_dejson);
      delete dict.extra_dejson;
    }
    if ("conn_id" in dict && dict.conn_id !== key) {
      throw new InvalidValueError(
        `Mismatch conn_id. The dictionary key has the value: ${String(dict.conn_id)}. The item has the value: ${key}.`,
      );
    }
    return connectionFromFields(dict, { normalizeType: false, ignoreKeys: ["conn_id"], parseUri: parseConnectionUri });
  }
  throw new InvalidValueError(
    `Unexpected value type: <class '${pythonTypeName(value)}'>. The connection can only be defined using a string or object.`,
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
  const raw = fileType === "env" ? parseEnv(text, problems) : fileType === "json" ? parseJson(text, problems) : parseYaml(text, problems);
  const entries: LocalFileEntry[] = [];
  const fileName = options.fileName ?? `the ${fileType} file`;
  for (const { key, values, line } of raw) {
    const at = line === undefined ? { key } : { key, line };
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
      problems.push({ ...at, message: e.message });
    }
  }
  problems.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  return { entries, problems };
}
