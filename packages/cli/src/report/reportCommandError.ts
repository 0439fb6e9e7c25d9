import { AfsyncError, RunLockedError } from "@afsync/core";
import { EXIT_INVALID, EXIT_LOCKED, EXIT_USAGE } from "../CliIO.ts";

/** A wrong flag or argument: what was wrong, then how to get help; exit 2. */
export function usageError(stderr: NodeJS.WritableStream, command: string, message: string): number {
  stderr.write(`afsync ${command}: ${message}\nRun 'afsync ${command} --help' for usage.\n`);
  return EXIT_USAGE;
}

/**
 * An error that stopped a command before it could report per Deployment (bad config, a source
 * that cannot be built): its message (never a secret, see errors.ts) and exit 1.
 */
export function commandError(stderr: NodeJS.WritableStream, command: string, error: unknown): number {
  if (error instanceof AfsyncError) {
    stderr.write(`afsync ${command}: ${error.message}\n`);
    return error instanceof RunLockedError ? EXIT_LOCKED : EXIT_INVALID;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`afsync ${command}: unexpected error: ${message}\n`);
  return EXIT_INVALID;
}
