import type { Logger, LogLevel } from "@afsync/core";

/**
 * One JSON object per line on stdout: what CloudWatch Logs Insights queries best
 * (`fields level, message, deployment | filter level = "error"`). Core never hands a secret to
 * the logger; this is the second line of defence: any field whose name looks secret-bearing is
 * masked, at any depth.
 */
const SENSITIVE = /pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential|authorization|signature|hmac/i;
// Names and ids of secrets are what operators search logs for, not secrets: `secretId`, `secret_ids`, `tokenArn`.
const IDENTIFIER = /(id|ids|arn|name|names|count)$/i;

export class JsonLineLogger implements Logger {
  readonly #write: (line: string) => void;
  readonly #base: Readonly<Record<string, unknown>>;
  readonly #minLevel: number;

  constructor(options: { write?: (line: string) => void; base?: Record<string, unknown>; level?: LogLevel } = {}) {
    this.#write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.#base = options.base ?? {};
    this.#minLevel = LEVELS[options.level ?? "info"];
  }

  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    if (LEVELS[level] < this.#minLevel) return;
    const record = { level, message, ...this.#base, ...(fields === undefined ? {} : (redact(fields, 0) as Record<string, unknown>)) };
    this.#write(JSON.stringify(record, errorReplacer));
  }
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function redact(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value))
    out[name] = SENSITIVE.test(name) && !IDENTIFIER.test(name) && v !== null && v !== undefined ? "***" : redact(v, depth + 1);
  return out;
}

// Errors carry their code and class (AfsyncError) but never a stack in logs meant for operators.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return value;
}
