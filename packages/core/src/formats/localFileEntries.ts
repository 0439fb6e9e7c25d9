import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import { JsonSyntaxError, parsePythonJson, topLevelKeyLines } from "./pythonJson.ts";
import { pyyamlTags } from "./pyyamlSchema.ts";
import { yamlErrorText } from "./yamlErrorText.ts";

/**
 * The first half of reading a LocalFilesystemBackend file: its text (Python's text mode) into
 * keys and raw values, exactly as `local_filesystem.py`'s `_parse_env_file`, `_parse_json_file`
 * (`json.loads`) and `_parse_yaml_file` (PyYAML's `safe_load`) produce them, with the lines that
 * problems point at. `parseLocalFilesystemFile` turns the values into connections or variables.
 */

export type LocalFileType = "json" | "yaml" | "env";

export interface LocalFileProblem {
  readonly key?: string;
  readonly line?: number;
  readonly message: string;
}

export interface LocalFileRawEntry {
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

function parseEnv(text: string, problems: LocalFileProblem[]): LocalFileRawEntry[] {
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

function parseJson(text: string, problems: LocalFileProblem[]): LocalFileRawEntry[] {
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

function parseYaml(text: string, problems: LocalFileProblem[]): LocalFileRawEntry[] {
  if (text === "") {
    problems.push({ line: 1, message: "The file is empty." });
    return [];
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the offending source line, which may hold a secret.
  const doc = parseDocument(text, { version: "1.1", customTags: pyyamlTags, uniqueKeys: false, prettyErrors: false, lineCounter });
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = err.linePos?.[0] ?? lineCounter.linePos(err.pos[0]);
      problems.push({ line, message: `YAML syntax error at column ${col}: ${yamlErrorText(err)}` });
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
    // An alias to an anchor defined later, or an alias bomb: refused as PyYAML refuses them. The
    // yaml package's message names the alias; it is worded here instead, as every YAML error is.
    const bomb = e instanceof Error && /alias count/i.test(e.message);
    problems.push({
      line: 1,
      message: `YAML error: ${bomb ? yamlErrorText({ code: "RESOURCE_EXHAUSTION" }) : "an alias refers to an anchor that is not defined before it"}`,
    });
    return [];
  }
  // A repeated key: the last pair wins, as in PyYAML (the yaml package's toJS agrees).
  const located = new Map<string, Omit<LocalFileRawEntry, "key" | "values">>();
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

function nonTextValue(node: Node, lineOf: (node: Node) => number | undefined): LocalFileRawEntry["unusable"] {
  let found: LocalFileRawEntry["unusable"];
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
 * The keys and raw values of a file, as Airflow's parser for its type returns them (a `.env`
 * key maps to the list of its values). File-wide problems go into `problems`.
 */
export function readLocalFileEntries(text: string, fileType: LocalFileType, problems: LocalFileProblem[]): LocalFileRawEntry[] {
  // Python's text mode (universal newlines): `\r\n` and a lone `\r` reach the parsers as `\n`.
  const pythonText = text.replace(/\r\n?/g, "\n");
  if (fileType === "env") return parseEnv(pythonText, problems);
  return fileType === "json" ? parseJson(pythonText, problems) : parseYaml(pythonText, problems);
}
