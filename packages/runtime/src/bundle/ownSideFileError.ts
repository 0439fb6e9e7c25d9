import { AfsyncError, ConfigError, RemoteCallError } from "@afsync/core";

/**
 * What a side file threw, as this bundle's own error: a side file is a bundle of its own
 * (`bundleSideFile`), with its own copy of `@afsync/core`'s error classes, so its `ConfigError` or
 * `RemoteCallError` fails the `instanceof` checks of the code that called it. The two it can throw
 * (a config the strict path rejects, a call the SQS sender made) are re-raised as this bundle's
 * class with the same message, path or status, error class and cause; anything else passes as is.
 */
export function ownSideFileError(error: unknown): unknown {
  if (error instanceof AfsyncError || !(error instanceof Error)) return error;
  const foreign = error as Error & { code?: unknown; path?: unknown; status?: unknown; errorClass?: unknown };
  const cause = error.cause === undefined ? undefined : { cause: error.cause };
  if (foreign.code === "INVALID_CONFIG" && typeof foreign.path === "string") {
    // ConfigError prefixes its path to the message: the foreign message has it already.
    return Object.assign(new ConfigError("", error.message, cause), { path: foreign.path });
  }
  if (foreign.code === "REMOTE_CALL_FAILED" && (foreign.errorClass === "user" || foreign.errorClass === "transient")) {
    return new RemoteCallError(error.message, {
      ...cause,
      errorClass: foreign.errorClass,
      ...(typeof foreign.status === "number" ? { status: foreign.status } : {}),
    });
  }
  return error;
}
