import type { Logger, LogLevel } from "@afsync/core";
import { isSensitiveFieldName, MASK } from "@afsync/core/formats/redact";

const ORDER: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * serve's log: one line per event on stderr, `time level message key=value…`. Fields whose name
 * Airflow would treat as sensitive are masked before writing, as a second line of defence:
 * nothing in afsync logs a value in the first place.
 */
export function createLineLogger(stream: NodeJS.WritableStream, options?: { minLevel?: LogLevel; now?: () => Date }): Logger {
  const min = ORDER[options?.minLevel ?? "info"];
  const now = options?.now ?? (() => new Date());
  return {
    log(level, message, fields) {
      if (ORDER[level] < min) return;
      const parts = [now().toISOString(), level.toUpperCase().padEnd(5), message];
      for (const [name, value] of Object.entries(fields ?? {})) {
        const shown = isSensitiveFieldName(name) ? MASK : typeof value === "string" ? value : JSON.stringify(value);
        parts.push(`${name}=${/\s/.test(shown ?? "") ? JSON.stringify(shown) : shown}`);
      }
      stream.write(`${parts.join(" ")}\n`);
    },
  };
}
