import { AfsyncError, RunLockedError } from "@afsync/core";
import { EXIT_INVALID, EXIT_LOCKED, EXIT_USAGE } from "../CliIO.ts";

/**
 * Where a command's error goes: stderr as text, or, with `--json`, stdout as one JSON object
 * `{ "error": { "command", "code", "message" } }` so a script reading stdout always gets JSON
 * (the exit status still tells success from failure).
 */
export interface ErrorOutput {
  readonly stderr: NodeJS.WritableStream;
  /** Set when the command runs with `--json`. */
  readonly json?: NodeJS.WritableStream | undefined;
}

/** The error shape every command prints with `--json`. */
export interface JsonCommandError {
  readonly error: { readonly command: string; readonly code: string; readonly message: string };
}

/** Whether the raw arguments ask for JSON: usage errors happen before the arguments are parsed. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes("--json");
}

/** `{ stderr, json }` for a command's io and whether `--json` was given. */
export function errorOutput(io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }, json: boolean): ErrorOutput {
  return json ? { stderr: io.stderr, json: io.stdout } : { stderr: io.stderr };
}

function writeJsonError(out: NodeJS.WritableStream, command: string, code: string, message: string): void {
  const body: JsonCommandError = { error: { command, code, message } };
  out.write(`${JSON.stringify(body, null, 2)}\n`);
}

function outputOf(to: NodeJS.WritableStream | ErrorOutput): ErrorOutput {
  return "stderr" in to ? to : { stderr: to };
}

/** A wrong flag or argument: what was wrong, then how to get help; exit 2. */
export function usageError(to: NodeJS.WritableStream | ErrorOutput, command: string, message: string): number {
  const out = outputOf(to);
  if (out.json !== undefined) writeJsonError(out.json, command, "USAGE", message);
  else out.stderr.write(`afsync ${command}: ${message}\nRun 'afsync ${command} --help' for usage.\n`);
  return EXIT_USAGE;
}

/**
 * An error that stopped a command before it could report per Deployment (bad config, a source
 * that cannot be built): its message (never a secret, see errors.ts) and exit 1.
 */
export function commandError(to: NodeJS.WritableStream | ErrorOutput, command: string, error: unknown): number {
  const out = outputOf(to);
  const exit = error instanceof RunLockedError ? EXIT_LOCKED : EXIT_INVALID;
  const known = error instanceof AfsyncError;
  const message = known ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
  if (out.json !== undefined) writeJsonError(out.json, command, known ? error.code : "UNEXPECTED", message);
  else out.stderr.write(`afsync ${command}: ${message}\n`);
  return exit;
}
