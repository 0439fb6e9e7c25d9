/**
 * Structured logging. Implementations must redact: fields are data, and any value that looks
 * like a secret is masked before it is written. Core never logs a secret value in the first place.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export const silentLogger: Logger = { log() {} };
