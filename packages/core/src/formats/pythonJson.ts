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

/**
 * `json.loads` as CPython reads it, for the connection forms whose text Airflow writes back
 * (`extra`, `as_json`): a number written with a fraction or an exponent is a Python float and is
 * kept as a PythonFloat, so it is written back as `1e+20` or `1.0`, not as JavaScript's
 * `100000000000000000000` or `1`; `NaN`, `Infinity` and `-Infinity` are accepted, as Python's
 * reader does. An integer beyond 2^53 is refused: Python keeps it exactly, a JavaScript number
 * cannot, and afsync refuses what it cannot hold exactly.
 */
export function parsePythonJson(text: string): unknown {
  const scanner = new Scanner(text, true);
  scanner.skipWs();
  const value = scanner.value();
  scanner.skipWs();
  if (scanner.i < text.length) scanner.fail("unexpected text after the JSON value");
  return value;
}

/** `JSON.parse`, with a position-carrying, snippet-free error. */
export function parseJsonSafely(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const err = locateJsonError(text);
    throw err ?? new JsonSyntaxError("not valid JSON", { line: 1, column: 1 });
  }
}

/** The line (1-based) of each key of the top-level object, in order; used to point problems at their entry. */
export function topLevelKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const scanner = new Scanner(text);
  try {
    scanner.skipWs();
    if (scanner.peek() !== "{") return lines;
    scanner.objectKeys((key, line) => {
      if (!lines.has(key)) lines.set(key, line);
    });
  } catch {
    // Positions are a courtesy; a file JSON.parse accepted always scans.
  }
  return lines;
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

class Scanner {
  i = 0;
  /** `python`: read as `json.loads` does (floats kept as PythonFloat, NaN and Infinity accepted). */
  constructor(
    readonly text: string,
    readonly python = false,
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

  fail(message: string): never {
    throw new JsonSyntaxError(message, this.position());
  }

  peek(): string | undefined {
    return this.text[this.i];
  }

  skipWs(): void {
    while (this.i < this.text.length && " \t\n\r".includes(this.text[this.i] as string)) this.i++;
  }

  value(): unknown {
    this.skipWs();
    const c = this.peek();
    if (c === undefined) this.fail("expecting a value but the text ended");
    if (c === "{") return this.objectKeys(() => {});
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (this.python) {
      // Python's scanner tries these before numbers, so `-Infinity` is not a bad number.
      for (const [word, v] of [
        ["NaN", Number.NaN],
        ["Infinity", Number.POSITIVE_INFINITY],
        ["-Infinity", Number.NEGATIVE_INFINITY],
      ] as const) {
        if (this.text.startsWith(word, this.i)) {
          this.i += word.length;
          return new PythonFloat(v);
        }
      }
    }
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    this.fail("expecting a value");
  }

  objectKeys(onKey: (key: string, line: number) => void): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++; // {
    this.skipWs();
    if (this.peek() === "}") {
      this.i++;
      return out;
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
      const v = this.value();
      // A repeated key keeps its first place and its last value, as a Python dict does; a
      // `__proto__` key is an own property, never the object's prototype.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.skipWs();
      const c = this.peek();
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "}") {
        this.i++;
        return out;
      }
      this.fail("expecting ',' or '}' in an object");
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.i++; // [
    this.skipWs();
    if (this.peek() === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipWs();
      const c = this.peek();
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "]") {
        this.i++;
        return out;
      }
      this.fail("expecting ',' or ']' in an array");
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

  number(): number | PythonFloat {
    const m = /^(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (m === null) this.fail("invalid number");
    const n = Number(m[0]);
    if (this.python && (m[2] !== undefined || m[3] !== undefined)) {
      this.i += m[0].length;
      return new PythonFloat(n);
    }
    if (this.python && !Number.isSafeInteger(n)) {
      this.fail("an integer beyond 2^53 cannot be held exactly (Python keeps every digit; write it as a string)");
    }
    this.i += m[0].length;
    return n;
  }
}
