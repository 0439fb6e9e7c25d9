import type { Logger, LogLevel } from "@afsync/core";
import { redactLogFields } from "./redactLogFields.ts";

/** Turns one redacted log event into one line (without the newline). */
export type LogLineFormat = (event: {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}) => string;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * afsync's one logger: drops events below the minimum level, redacts the fields with the one rule
 * (`redactLogFields`), then writes one line in the entry point's format (JSON for Lambda, the
 * serve line, the one-shot commands' stderr line). Only the format differs between entry points.
 */
export class RedactingLogger implements Logger {
  readonly #write: (line: string) => void;
  readonly #format: LogLineFormat;
  readonly #base: Readonly<Record<string, unknown>>;
  readonly #minLevel: number;

  constructor(options: { write: (line: string) => void; format: LogLineFormat; base?: Record<string, unknown>; level?: LogLevel }) {
    this.#write = options.write;
    this.#format = options.format;
    this.#base = options.base ?? {};
    this.#minLevel = LEVELS[options.level ?? "info"];
  }

  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    if (LEVELS[level] < this.#minLevel) return;
    this.#write(this.#format({ level, message, fields: redactLogFields({ ...this.#base, ...fields }) }));
  }
}

/**
 * One JSON object per line on stdout: what CloudWatch Logs Insights (and the other clouds' log
 * queries) read best (`fields level, message, deployment | filter level = "error"`).
 */
export function createJsonLineLogger(
  options: { write?: (line: string) => void; base?: Record<string, unknown>; level?: LogLevel; now?: () => Date } = {},
) {
  // The clouds stamp each line themselves; serve --json writes its own time.
  const time = options.now === undefined ? () => ({}) : ((now: () => Date) => () => ({ time: now().toISOString() }))(options.now);
  return new RedactingLogger({
    write: options.write ?? ((line) => process.stdout.write(`${line}\n`)),
    format: ({ level, message, fields }) => JSON.stringify({ ...time(), level, message, ...fields }, errorReplacer),
    ...(options.base === undefined ? {} : { base: options.base }),
    ...(options.level === undefined ? {} : { level: options.level }),
  });
}

/** serve's log: one line per event on stderr, `time level message key=value…`. */
export function createLineLogger(stream: NodeJS.WritableStream, options?: { minLevel?: LogLevel; now?: () => Date }): Logger {
  const now = options?.now ?? (() => new Date());
  return new RedactingLogger({
    write: (line) => stream.write(`${line}\n`),
    format: ({ level, message, fields }) => {
      const parts = [now().toISOString(), level.toUpperCase().padEnd(5), message];
      for (const [name, value] of Object.entries(fields)) {
        const shown = showField(value);
        parts.push(`${name}=${/\s/.test(shown) ? JSON.stringify(shown) : shown}`);
      }
      return parts.join(" ");
    },
    level: options?.minLevel ?? "info",
  });
}

/**
 * The one-shot commands' logger: warnings and errors as `afsync: <level>: <message> k=v` lines
 * on stderr (stdout stays the command's output, `--json` stays parseable).
 */
export function createCliLogger(stderr: NodeJS.WritableStream, minLevel: LogLevel = "warn"): Logger {
  return new RedactingLogger({
    write: (line) => stderr.write(`${line}\n`),
    format: ({ level, message, fields }) => {
      const parts = Object.entries(fields).map(([k, v]) => `${k}=${showField(v)}`);
      return `afsync: ${level}: ${message}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}`;
    },
    level: minLevel,
  });
}

function showField(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value, errorReplacer) ?? String(value));
}

// Errors carry their code and class (AfsyncError) but never a stack in logs meant for operators.
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return value;
}
