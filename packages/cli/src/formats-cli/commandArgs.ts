import { type ParseArgsConfig, parseArgs } from "node:util";
import { AfsyncError, InvalidValueError } from "@afsync/core";
import { parseJsonObject } from "@afsync/core/formats/connectionJson";
import { parseJsonSafely } from "@afsync/core/formats/pythonJson";
import type { CliIO } from "../CliIO.ts";
import { commandError, errorOutput, usageError, wantsJson } from "../report/reportCommandError.ts";

/** A usage error: wrong flags or arguments (exit 2), as opposed to invalid input (exit 1). */
export class UsageError extends Error {}

/** node's parseArgs in strict mode, positionals allowed, its complaints turned into UsageError. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : "invalid arguments");
  }
}

/** `--backend-kwargs JSON`: the backend's own kwargs, as in AIRFLOW__SECRETS__BACKEND_KWARGS. */
export function parseBackendKwargs(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  return parseJsonObject(text, "--backend-kwargs");
}

/**
 * Runs a command body, mapping UsageError to exit 2 and InvalidValueError (and other user errors)
 * to exit 1. With `--json` among the arguments the error is the one JSON shape every command
 * prints on stdout (reportCommandError.ts), so a script reading stdout always gets JSON.
 */
export async function runCommand(name: string, io: CliIO, body: () => Promise<number>, argv: readonly string[] = []): Promise<number> {
  const out = errorOutput(io, wantsJson(argv));
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) return usageError(out, name, e.message);
    if (e instanceof AfsyncError) return commandError(out, name, e);
    if (e instanceof Error && "code" in e) return commandError(out, name, new InvalidValueError(e.message, { cause: e }));
    throw e;
  }
}

/** One --ndjson input line as JSON; the error says where it breaks but never quotes it. */
export function parseLineJson(line: string): unknown {
  try {
    return parseJsonSafely(line);
  } catch (e) {
    throw new InvalidValueError(`the line is not valid JSON: ${e instanceof Error ? e.message : "syntax error"}`);
  }
}
