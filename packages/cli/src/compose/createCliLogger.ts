import type { Logger, LogLevel } from "@afsync/core";
import { isSensitiveFieldName } from "@afsync/core/formats/redact";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The one-shot commands' logger: warnings and errors as `afsync: <level>: <message> k=v` lines
 * on stderr (stdout stays the command's output, `--json` stays parseable). Fields whose name
 * Airflow deems sensitive are masked, whatever they hold.
 */
export function createCliLogger(stderr: NodeJS.WritableStream, minLevel: LogLevel = "warn"): Logger {
  return {
    log(level, message, fields) {
      if (RANK[level] < RANK[minLevel]) return;
      const parts = Object.entries(fields ?? {}).map(
        ([k, v]) => `${k}=${isSensitiveFieldName(k) ? "***" : typeof v === "string" ? v : JSON.stringify(v)}`,
      );
      stderr.write(`afsync: ${level}: ${message}${parts.length > 0 ? ` ${parts.join(" ")}` : ""}\n`);
    },
  };
}
