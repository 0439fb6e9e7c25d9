/**
 * A `.env` file as docker compose reads it (compose-go's dotenv parser, which the Astro CLI hands
 * the project's `.env` to through `env_file`), kept as a list of statements so that a rewrite
 * changes only the assignments afsync owns and leaves every other byte where it was.
 *
 * compose-go rules this follows:
 * - `NAME=value`, optionally prefixed by `export `; blank lines and `#` lines are kept verbatim.
 * - single quotes are literal (no escapes, no `$` interpolation) and may span lines; a `\` right
 *   before the closing quote makes compose-go treat the quote as escaped.
 * - double quotes expand `\n`, `\r`, `\t`, `\\`, `\"` and interpolate `$VAR`; `$$` is a literal `$`.
 * - unquoted values end at the line end or at ` #`, are trimmed and interpolated.
 */
export interface DotenvStatement {
  /** The exact source text of the statement, line break included, so untouched lines round-trip. */
  readonly raw: string;
  /** The variable name when the statement is an assignment. */
  readonly name?: string;
  /** The decoded value (as compose would pass it to the container), when it could be decoded. */
  readonly value?: string;
  /** Why the value could not be decoded (an unterminated quote); never the value itself. */
  readonly problem?: string;
  /** 1-based line where the statement starts. */
  readonly line: number;
}

// compose-go names: letters, digits, '_', '.' and '-' (the env-file target writes no others).
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;

export function parseDotenvDocument(text: string): DotenvStatement[] {
  const statements: DotenvStatement[] = [];
  let pos = 0;
  let line = 1;
  while (pos < text.length) {
    const lineEnd = endOfLine(text, pos);
    const lineText = text.slice(pos, lineEnd);
    const match = ASSIGNMENT.exec(lineText);
    if (match === null || match[1] === undefined) {
      statements.push({ raw: text.slice(pos, afterBreak(text, lineEnd)), line });
      line += 1;
      pos = afterBreak(text, lineEnd);
      continue;
    }
    const name = match[1];
    const valueStart = pos + match[0].length;
    const decoded = decodeValue(text, valueStart, lineEnd);
    const end = afterBreak(text, decoded.end);
    const raw = text.slice(pos, end);
    const statement: DotenvStatement =
      decoded.value === undefined
        ? { raw, name, line, problem: decoded.problem ?? "value could not be read" }
        : { raw, name, line, value: decoded.value };
    statements.push(statement);
    line += countBreaks(raw);
    pos = end;
  }
  return statements;
}

/** One `NAME=value` line (with its line break) that compose-go reads back as exactly `value`. */
export function formatDotenvAssignment(name: string, value: string): string {
  // Single quotes are literal in every compose-go version, so they are the safe default; they
  // only fail for a value holding a `'` or ending in `\` (read as an escaped closing quote).
  if (!value.includes("'") && !value.endsWith("\\")) return `${name}='${value}'\n`;
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll('"', '\\"')
    .replaceAll("\n", "\\n")
    .replaceAll("\r", "\\r")
    .replaceAll("\t", "\\t")
    .replaceAll("$", "$$$$");
  return `${name}="${escaped}"\n`;
}

/** Serializes statements back to text; the inverse of `parseDotenvDocument` for untouched input. */
export function renderDotenvDocument(statements: readonly { readonly raw: string }[]): string {
  const parts: string[] = [];
  let endsWithBreak = true;
  for (const statement of statements) {
    // A last line without a newline must not glue itself to an appended assignment.
    if (!endsWithBreak) parts.push("\n");
    parts.push(statement.raw);
    endsWithBreak = statement.raw === "" ? endsWithBreak : statement.raw.endsWith("\n");
  }
  return parts.join("");
}

function decodeValue(text: string, start: number, lineEnd: number): { value?: string; problem?: string; end: number } {
  const quote = text[start];
  if (quote === "'" || quote === '"') {
    let escaped = false;
    let chars = "";
    for (let i = start + 1; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch !== quote) {
        if (!escaped && ch === "\\") {
          escaped = true;
          continue;
        }
        if (escaped) chars += "\\";
        escaped = false;
        chars += ch;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += ch;
        continue;
      }
      // Anything after the closing quote up to the line end (a comment) belongs to the statement.
      const end = endOfLine(text, i + 1);
      return { value: quote === '"' ? unescapeDoubleQuoted(chars) : chars, end };
    }
    return { problem: `unterminated ${quote === '"' ? "double" : "single"}-quoted value`, end: lineEnd };
  }
  let value = text.slice(start, lineEnd);
  const comment = value.indexOf(" #");
  if (comment >= 0) value = value.slice(0, comment);
  return { value: value.replace(/\s+$/, ""), end: lineEnd };
}

function unescapeDoubleQuoted(chars: string): string {
  return chars.replace(/\\([nrt\\"])|\$\$/g, (match, esc: string | undefined) => {
    if (match === "$$") return "$";
    if (esc === "n") return "\n";
    if (esc === "r") return "\r";
    if (esc === "t") return "\t";
    return esc ?? match;
  });
}

function endOfLine(text: string, from: number): number {
  const nl = text.indexOf("\n", from);
  return nl < 0 ? text.length : nl;
}

function afterBreak(text: string, lineEnd: number): number {
  return lineEnd < text.length ? lineEnd + 1 : lineEnd;
}

function countBreaks(raw: string): number {
  let n = 0;
  for (const ch of raw) if (ch === "\n") n += 1;
  return Math.max(n, 1);
}
