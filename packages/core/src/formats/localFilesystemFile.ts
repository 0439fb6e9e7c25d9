import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import { InvalidValueError } from "../errors.ts";
import type { AirflowValue } from "../model/AirflowValue.ts";
import type { Connection } from "../model/Connection.ts";
import { CONNECTION_CONSTRUCTOR_KEYS, connectionFromFields } from "./connectionFields.ts";
import { parseIntendedConnectionUri } from "./intendedConnectionUri.ts";
import { JsonSyntaxError, PythonFloat, parsePythonJson, pythonJsonDumps, topLevelKeyLines } from "./pythonJson.ts";
import { pyyamlTags } from "./pyyamlSchema.ts";

/**
 * The files of Airflow's `LocalFilesystemBackend` (`airflow/secrets/local_filesystem.py`), read
 * the way it reads them: text mode (universal newlines; the caller decodes strict UTF-8 with
 * `decodeStrictUtf8`), then `.env` (`KEY=VALUE`, no trimming, quotes kept), JSON (`json.loads`,
 * the last of a repeated key wins) or YAML (PyYAML's `safe_load`: YAML 1.1, so `yes`/`no` are
 * booleans and `None` is a string; python/* and unknown tags refused; the last of a repeated key
 * wins). Connection values are a URI string, a field dict (`Connection(**dict)`: no `from_json`
 * normalization, `extra_dejson` allowed) or a list of one of those.
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
  /** The line the value starts on (its first item's, for a list), for a problem in a URI string. */
  readonly valueLine?: number;
  /** The line of each field of a dict value, to point a problem at the field at fault. */
  readonly fieldLines?: ReadonlyMap<string, number>;
  /** Why the value cannot be used, found while reading the file (a YAML `!!binary`…), with its line. */
  readonly unusable?: { readonly message: string; readonly line?: number };
}

const BOM = "\ufeff";

// Python's `\s` for str patterns (COMMENT_PATTERN is `^\s*#`): unlike JS's `\s` it includes
// \x1c-\x1f and \x85 and excludes U+FEFF. (\x1c-\x1e and \x85 never reach it: they end lines.)
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are whitespace to Python
const PYTHON_COMMENT = /^[ \t\n\r\f\v\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*#/;

// Python's str.splitlines() boundaries.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are line breaks to Python
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

// A byte order mark is text to Python's utf-8 codec: Airflow reads it as the first character of
// line 1, so the first key (or comment) is no longer what the user wrote.
function bomProblem(line: string, problems: LocalFileProblem[]): void {
  const rest = line.slice(BOM.length);
  const eq = rest.indexOf("=");
  const note =
    "the file starts with a UTF-8 byte order mark, which Airflow reads as part of the first line; save the file as UTF-8 without BOM";
  if (eq > 0 && eq < rest.length - 1) {
    problems.push({
      key: rest.slice(0, eq),
      line: 1,
      message: `${note} (Airflow would read this key with the mark in front, so no lookup finds it)`,
    });
  } else {
    problems.push({ line: 1, message: `Invalid line format: ${note}` });
  }
}

function parseEnv(text: string, problems: LocalFileProblem[]): RawEntry[] {
  const byKey = new Map<string, { values: string[]; line: number }>();
  text.split(LINE_BREAK).forEach((line, index) => {
    const lineNo = index + 1;
    if (index === 0 && line.startsWith(BOM)) {
      bomProblem(line, problems);
      return;
    }
    if (line === "" || PYTHON_COMMENT.test(line)) return;
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
  if (text.startsWith(BOM)) {
    // json.loads refuses it: "Unexpected UTF-8 BOM (decode using utf-8-sig)".
    problems.push({
      line: 1,
      message:
        "Unexpected UTF-8 BOM: the file starts with a byte order mark, which Airflow's JSON reader refuses; save the file as UTF-8 without BOM",
    });
    return [];
  }
  let parsed: unknown;
  try {
    // json.loads, not JSON.parse: `1.0` stays a float, big ints stay exact, NaN/Infinity are read.
    parsed = parsePythonJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    problems.push({ line: e.position.line, message: e.message });
    return [];
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    problems.push({ line: 1, message: "The file should contain the object." });
    return [];
  }
  const lines = topLevelKeyLines(text);
  return Object.entries(parsed).map(([key, values]) => {
    const at = lines.get(key);
    return at === undefined ? { key, values } : { key, values, line: at.line, valueLine: at.valueLine, fieldLines: at.fields };
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
  const lineOfNode = (node: Node) => (node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  const before = problems.length;
  refusedTags(doc, lineOfNode, problems);
  if (problems.length > before) return [];
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
  // A repeated key: the last pair wins, as in PyYAML (the yaml package's toJS agrees).
  const located = new Map<string, Omit<RawEntry, "key" | "values">>();
  for (const pair of doc.contents.items) {
    const keyNode = pair.key;
    if (!isScalar(keyNode)) continue;
    const line = lineOfNode(keyNode);
    const fieldLines = new Map<string, number>();
    const valueNode = pair.value;
    const dict = isSeq(valueNode) && valueNode.items.length === 1 ? valueNode.items[0] : valueNode;
    if (isMap(dict)) {
      for (const field of dict.items) {
        const fieldLine = isNode(field.key) ? lineOfNode(field.key) : undefined;
        if (isScalar(field.key) && fieldLine !== undefined) fieldLines.set(String(field.key.value), fieldLine);
      }
    }
    const unusable = isNode(valueNode) ? nonTextValue(valueNode, lineOfNode) : undefined;
    const valueLine = isNode(dict) ? lineOfNode(dict) : undefined;
    located.set(String(keyNode.value), {
      ...(line === undefined ? {} : { line }),
      ...(valueLine === undefined ? {} : { valueLine }),
      fieldLines,
      ...(unusable === undefined ? {} : { unusable }),
    });
  }
  return Object.entries(values).map(([key, v]) => ({ key, values: v, ...located.get(key) }));
}

// PyYAML's SafeConstructor builds these tags and nothing else; `safe_load` raises
// "could not determine a constructor for the tag" on any other (every python/* tag included),
// which fails the whole file in Airflow.
const SAFE_TAGS = new Set(
  ["null", "bool", "int", "float", "binary", "timestamp", "omap", "pairs", "set", "str", "seq", "map"].map((t) => `tag:yaml.org,2002:${t}`),
);

function refusedTags(doc: Document, lineOf: (node: Node) => number | undefined, problems: LocalFileProblem[]): void {
  visit(doc, (_key, node) => {
    if (!isNode(node) || node.tag === undefined || node.tag === "!" || SAFE_TAGS.has(node.tag)) return;
    const line = lineOf(node);
    problems.push({
      ...(line === undefined ? {} : { line }),
      message: `YAML tag '${node.tag}' is refused: Airflow reads YAML with PyYAML's safe_load, which could not determine a constructor for it`,
    });
  });
}

// Tags safe_load builds into Python objects that are not text, a number or a dict/list of those:
// neither a connection (Airflow wants a str or a dict) nor a variable's text can be made of them.
const NON_TEXT_TAGS: Readonly<Record<string, string>> = {
  "tag:yaml.org,2002:binary": "a Python bytes object",
  "tag:yaml.org,2002:set": "a Python set",
  "tag:yaml.org,2002:omap": "a list of (key, value) tuples",
  "tag:yaml.org,2002:pairs": "a list of (key, value) tuples",
};

function nonTextValue(node: Node, lineOf: (node: Node) => number | undefined): RawEntry["unusable"] {
  let found: RawEntry["unusable"];
  visit(node, (_key, inner) => {
    if (!isNode(inner) || inner.tag === undefined) return;
    const what = NON_TEXT_TAGS[inner.tag];
    if (what === undefined) return;
    const line = lineOf(inner);
    const tag = `!!${inner.tag.slice("tag:yaml.org,2002:".length)}`;
    found = {
      ...(line === undefined ? {} : { line }),
      message: `the value uses the YAML tag ${tag}, which PyYAML's safe_load reads as ${what}, not text; Airflow cannot use it as a connection or a variable's text. Write it as a plain string`,
    };
    return visit.BREAK;
  });
  return found;
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

// Connection fields take plain numbers: a YAML float in a port or an extra is just a number there.
function plainNumbers(value: unknown): unknown {
  if (value instanceof PythonFloat) return value.value;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(plainNumbers);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainNumbers(v)]));
  }
  return value;
}

// `_create_connection(conn_id, value)`.
function createConnection(key: string, raw: unknown): Connection {
  const value = plainNumbers(raw);
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
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date)) {
    const dict = { ...(value as Record<string, unknown>) };
    const allowed = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, "conn_id", "extra_dejson"]);
    const illegal = Object.keys(dict).filter((k) => !allowed.has(k));
    if (illegal.length > 0) {
      throw new InvalidValueError(
        `The object have illegal keys: ${illegal.join(", ")}. The dictionary can only contain the following keys: ${[...allowed].join(", ")}`,
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
  // Python's text mode (universal newlines): `\r\n` and a lone `\r` reach the parsers as `\n`.
  const pythonText = text.replace(/\r\n?/g, "\n");
  const raw =
    fileType === "env"
      ? parseEnv(pythonText, problems)
      : fileType === "json"
        ? parseJson(pythonText, problems)
        : parseYaml(pythonText, problems);
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

const CONNECTION_FIELD_NAMES = new Set<string>([...CONNECTION_CONSTRUCTOR_KEYS, "conn_id", "extra_dejson"]);

function looksLikeConnection(value: unknown): boolean {
  const one = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof one === "string") return /^\s*(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//.test(one);
  return one !== null && typeof one === "object" && Object.keys(one).some((k) => CONNECTION_FIELD_NAMES.has(k));
}

function cannotBeConnection(value: unknown): boolean {
  if (typeof value === "string") return false;
  if (value === null || typeof value !== "object" || value instanceof PythonFloat || value instanceof Date) return true;
  if (Array.isArray(value)) return value.length > 1 || value.some(cannotBeConnection);
  return Object.keys(value).some((k) => !CONNECTION_FIELD_NAMES.has(k));
}

/**
 * What a file holds, judged from its values, for a caller that was not told (nothing in a file
 * says; Airflow is given two paths): connections when any value looks like one (a `type://` URI,
 * a dict with connection fields), variables when none does and some value could not be a
 * connection (a number, a dict of other keys), otherwise null: plain strings fit both.
 */
export function kindFromContent(text: string, fileType: LocalFileType): { kind: LocalFileKind; because: string } | null {
  const pythonText = text.replace(/\r\n?/g, "\n");
  const ignored: LocalFileProblem[] = [];
  const raw =
    fileType === "env"
      ? parseEnv(pythonText, ignored)
      : fileType === "json"
        ? parseJson(pythonText, ignored)
        : parseYaml(pythonText, ignored);
  const values = raw.flatMap((r) => (fileType === "env" ? (r.values as string[]) : [r.values]));
  if (values.some(looksLikeConnection)) return { kind: "connection", because: "a value looks like a connection" };
  if (values.some(cannotBeConnection)) return { kind: "variable", because: "no value looks like a connection, and some could not be one" };
  return null;
}
