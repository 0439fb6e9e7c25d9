/**
 * Python's `json.dumps(value)` with its defaults (separators `", "` and `": "`, ensure_ascii),
 * because Airflow's `as_json`, the AWS alias re-dump and the `__extra__` query parameter are all
 * produced that way and users compare them byte for byte. Also a JSON reader whose errors carry a
 * line and column but never a snippet of the input (V8's messages quote the text, which may be a
 * secret).
 */

/**
 * A number that was a Python float where it came from (a YAML `1.0`): written with float repr
 * (`1.0`, not `1`). JSON parsing cannot tell 1 from 1.0; PyYAML's resolver can.
 */
export class PythonFloat {
  constructor(readonly value: number) {}
  /** Generic JSON writers (logs, request bodies) see the plain number. */
  toJSON(): number {
    return this.value;
  }
  /** Python's `repr(float)`: `1e+20`, `1.0`, `-0.0`, `nan`, `inf`. */
  toString(): string {
    return Number.isFinite(this.value)
      ? pythonNumber(this.value, true)
      : Number.isNaN(this.value)
        ? "nan"
        : this.value > 0
          ? "inf"
          : "-inf";
  }
}

/** `json.dumps(value)` as CPython writes it (non-finite numbers as `NaN`/`Infinity`, as Python allows). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return pythonJsonString(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof PythonFloat) return pythonNumber(value.value, true);
  if (typeof value === "bigint") return value.toString(); // a Python int too big for a double, kept exact
  if (typeof value === "number") {
    // allow_nan=True is json.dumps' default: YAML's .inf and .nan reach here from files.
    return pythonNumber(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`);
    return `{${parts.join(", ")}}`;
  }
  throw new TypeError(`a ${typeof value} cannot be written as JSON`);
}

/**
 * A number as Python writes it. Integral values below 1e21 were ints (JSON cannot tell 5 from
 * 5.0 once parsed, and ints are what JSON secrets hold); the rest use float `repr`: shortest
 * digits, exponent form below 1e-4 or from 1e16, and a two-digit exponent (`1e-05`).
 */
function pythonNumber(x: number, float = false): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (!float && Number.isInteger(x) && Math.abs(x) < 1e21) return String(x);
  if (Object.is(x, 0) || Object.is(x, -0)) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", expText = "0"] = x.toExponential().split("e");
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function pythonJsonString(s: string): string {
  // JSON.stringify already escapes `"`, `\` and C0 controls exactly as Python does; ensure_ascii
  // then escapes everything outside printable ASCII (DEL included) as lower-case \uXXXX.
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export interface JsonPosition {
  readonly line: number;
  readonly column: number;
}

/** A JSON syntax error with where it is; the message describes the problem without quoting the input. */
export class JsonSyntaxError extends Error {
  readonly position: JsonPosition;
  constructor(message: string, position: JsonPosition) {
    super(`${message} (line ${position.line}, column ${position.column})`);
    this.position = position;
  }
}

/** How deep Python's `json.loads` nests before its recursion limit (1000 frames) stops it. */
const MAX_NESTING = 990;

/** `JSON.parse`, with a position-carrying, snippet-free error. */
export function parseJsonSafely(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const err = locateJsonError(text);
    throw err ?? new JsonSyntaxError("not valid JSON", { line: 1, column: 1 });
  }
}

/** Where a top-level entry sits: its key's line and, when its value is an object (or a list holding one), each field's line. */
export interface EntryLines {
  readonly line: number;
  /** Where the value starts (the first item's, for a list). */
  readonly valueLine: number;
  readonly fields: ReadonlyMap<string, number>;
}

/**
 * The line (1-based) of each key of the top-level object and of the fields of its value, used to
 * point problems at the entry and the field at fault. A repeated key points at its last
 * occurrence: Python's `json.loads` keeps the last value.
 */
export function topLevelKeyLines(text: string): Map<string, EntryLines> {
  const lines = new Map<string, EntryLines>();
  const scanner = new Scanner(text, true);
  try {
    scanner.skipWs();
    if (scanner.peek() !== "{") return lines;
    let pending = { key: "", line: 1 };
    scanner.objectKeys(
      (key, line) => {
        pending = { key, line };
      },
      () => {
        const fields = new Map<string, number>();
        const valueLine = scanner.valueRecordingFields(fields);
        lines.set(pending.key, { line: pending.line, valueLine, fields });
      },
    );
  } catch {
    // Positions are a courtesy; a file JSON.parse accepted always scans.
  }
  return lines;
}

/**
 * Python's `json.loads(text)`, keeping what JavaScript's JSON.parse loses: a number with a
 * fraction or exponent is a float (`PythonFloat`, so `1.0` is written back as `1.0`), an integer
 * beyond 2^53 stays exact (a bigint), and `NaN`, `Infinity` and `-Infinity` are read, as Python
 * reads them. Errors carry a position and never a snippet of the text.
 */
export function parsePythonJson(text: string): unknown {
  const scanner = new Scanner(text, true);
  scanner.skipWs();
  const value = scanner.build();
  scanner.skipWs();
  if (scanner.i < text.length) scanner.fail("unexpected text after the JSON value");
  return value;
}

/** Finds where `text` stops being JSON; null when it is valid. */
export function locateJsonError(text: string): JsonSyntaxError | null {
  const scanner = new Scanner(text);
  try {
    scanner.skipWs();
    scanner.value();
    scanner.skipWs();
    if (scanner.i < text.length) scanner.fail("unexpected text after the JSON value");
    return null;
  } catch (e) {
    if (e instanceof JsonSyntaxError) return e;
    throw e;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const JSON_LITERALS: readonly [string, unknown][] = [
  ["true", true],
  ["false", false],
  ["null", null],
];
// Python's json.loads reads these (parse_constant); json.dumps writes them back the same way.
const PYTHON_CONSTANTS: readonly [string, number][] = [
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
];

class Scanner {
  i = 0;
  /** `pythonConstants`: accept `NaN`, `Infinity` and `-Infinity`, as Python's json module does. */
  constructor(
    readonly text: string,
    private readonly pythonConstants = false,
  ) {}

  // Positions are asked for in increasing order, so counting resumes where it stopped: linear
  // in the file, even with one lookup per key of a large export.
  private countedTo = 0;
  private line = 1;
  private lineStart = 0;

  position(at = this.i): JsonPosition {
    if (at < this.countedTo) {
      this.countedTo = 0;
      this.line = 1;
      this.lineStart = 0;
    }
    const end = Math.min(at, this.text.length);
    for (let k = this.countedTo; k < end; k++) {
      if (this.text.charCodeAt(k) === 10) {
        this.line++;
        this.lineStart = k + 1;
      }
    }
    this.countedTo = Math.max(this.countedTo, end);
    return { line: this.line, column: at - this.lineStart + 1 };
  }

  private depth = 0;

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.position());
  }

  peek(): string | undefined {
    return this.text[this.i];
  }

  skipWs(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i] as string)) this.i++;
  }

  value(): void {
    this.build();
  }

  /** Reads one value and returns it as Python's json module would hand it over. */
  build(): unknown {
    this.skipWs();
    const c = this.peek();
    if (c === undefined) this.fail("expecting a value but the text ended");
    if (c === "{" || c === "[") {
      // Python's scanner recurses per level and raises RecursionError near its default limit of
      // 1000 frames, so Airflow cannot read such a file; refused here before the JS stack ends too.
      if (this.depth >= MAX_NESTING) this.fail(`nested deeper than ${MAX_NESTING} levels, more than Python's json module reads`);
      this.depth++;
      try {
        return c === "{" ? this.buildObject() : this.buildArray();
      } finally {
        this.depth--;
      }
    }
    if (c === '"') return this.string();
    if (this.pythonConstants) {
      for (const [word, value] of PYTHON_CONSTANTS) {
        if (this.text.startsWith(word, this.i)) {
          this.i += word.length;
          return new PythonFloat(value);
        }
      }
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, value] of JSON_LITERALS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    return this.fail("expecting a value");
  }

  private buildObject(): Record<string, unknown> {
    // defineProperty: a "__proto__" key is data, as in JSON.parse, not the prototype.
    const out: Record<string, unknown> = {};
    let key = "";
    this.objectKeys(
      (k) => {
        key = k;
      },
      () => {
        Object.defineProperty(out, key, { value: this.build(), enumerable: true, writable: true, configurable: true });
      },
    );
    return out;
  }

  private buildArray(): unknown[] {
    const out: unknown[] = [];
    this.i++; // [
    this.skipWs();
    if (this.peek() === "]") {
      this.i++;
      return out;
    }
    out.push(this.build());
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === "]") {
        this.i++;
        return out;
      }
      if (c !== ",") this.fail("expecting ',' or ']' in an array");
      this.i++;
      out.push(this.build());
    }
  }

  /**
   * A value; when it is an object, or a list whose first item is one, its keys' lines go into
   * `fields`. Returns the line the value (a list's first item) starts on.
   */
  valueRecordingFields(fields: Map<string, number>): number {
    this.skipWs();
    const record = (key: string, line: number) => fields.set(key, line);
    if (this.peek() === "{") {
      const line = this.position().line;
      this.objectKeys(record);
      return line;
    }
    if (this.peek() !== "[") {
      const line = this.position().line;
      this.value();
      return line;
    }
    this.i++; // [
    this.skipWs();
    const line = this.position().line;
    if (this.peek() === "{") this.objectKeys(record);
    else if (this.peek() === "]") {
      this.i++;
      return line;
    } else this.value();
    this.arrayRest();
    return line;
  }

  objectKeys(onKey: (key: string, line: number) => void, onValue: () => void = () => this.value()): void {
    this.i++; // {
    this.skipWs();
    if (this.peek() === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.skipWs();
      if (this.peek() !== '"') this.fail("expecting a property name in double quotes");
      const line = this.position().line;
      const key = this.string();
      onKey(key, line);
      this.skipWs();
      if (this.peek() !== ":") this.fail("expecting ':' after the property name");
      this.i++;
      onValue();
      this.skipWs();
      const c = this.peek();
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "}") {
        this.i++;
        return;
      }
      this.fail("expecting ',' or '}' in an object");
    }
  }

  /** The rest of a list after its first item. */
  arrayRest(): void {
    for (;;) {
      this.skipWs();
      const c = this.peek();
      if (c === "]") {
        this.i++;
        return;
      }
      if (c !== ",") this.fail("expecting ',' or ']' in an array");
      this.i++;
      this.value();
    }
  }

  string(): string {
    const start = this.i;
    this.i++; // "
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.fail("unterminated string");
      if (c === '"') break;
      if (c === "\\") {
        const e = this.text[this.i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.i + 2, this.i + 6))) this.fail("invalid \\u escape");
          this.i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail("invalid escape in a string");
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail("control character in a string");
      this.i++;
    }
    this.i++;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  /** An int (a bigint beyond 2^53, as Python keeps it exact) or, with a fraction or exponent, a float. */
  number(): number | bigint | PythonFloat {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail("invalid number");
    const text = m[0];
    this.i += text.length;
    if (/[.eE]/.test(text)) return new PythonFloat(Number(text));
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
}
