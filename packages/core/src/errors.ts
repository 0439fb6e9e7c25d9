import type { RunLockHolder } from "./ports/RunLock.ts";

/**
 * The few named errors afsync raises. Each has a stable `code` and a class: `user` errors
 * (bad config, bad value, bad input: do not retry) or `transient` ones (throttling, 5xx,
 * network: retry). Messages never contain secret values.
 */
export type ErrorClass = "user" | "transient" | "internal";

export class AfsyncError extends Error {
  readonly code: string;
  readonly errorClass: ErrorClass;
  constructor(code: string, message: string, options?: { cause?: unknown; errorClass?: ErrorClass }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.errorClass = options?.errorClass ?? "user";
  }
}

/**
 * A value that is not a valid Airflow connection or variable. `field` names the connection
 * field at fault (`port`, `extra`, an unexpected key) when there is one, so a file problem can
 * point at that field's line rather than at the key's.
 */
export class InvalidValueError extends AfsyncError {
  readonly field?: string;
  constructor(message: string, options?: { cause?: unknown; field?: string }) {
    super("INVALID_VALUE", message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** Input that is not an event any registered provider parser understands (or not one its parser accepts). */
export class UnrecognizedEventError extends AfsyncError {
  constructor(message: string) {
    super("UNRECOGNIZED_EVENT", message);
  }
}

/** A config file (or CLI input) that does not validate; `path` names the bad key. */
export class ConfigError extends AfsyncError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_CONFIG", path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/**
 * Another afsync run holds the lock on `resource` (a state store or a target file) and did not
 * give it back within the wait. Transient: trying again after that run ends succeeds.
 */
export class RunLockedError extends AfsyncError {
  readonly resource: string;
  readonly lockFile: string;
  readonly holder: RunLockHolder | undefined;
  constructor(options: { resource: string; lockFile: string; holder: RunLockHolder | undefined; waitedMs: number; thisHost: string }) {
    const { resource, lockFile, holder, waitedMs } = options;
    const who =
      holder === undefined
        ? "another afsync run (its lock record is unreadable)"
        : `'${holder.command}' (pid ${holder.pid} on host ${holder.host}, since ${holder.since})`;
    const waited = waitedMs > 0 ? ` and was not released within ${Number((waitedMs / 1000).toFixed(1))} s` : "";
    // A holder on another host (a container, a shared disk) cannot be checked for liveness here,
    // so it is never taken over automatically; say how to clear it if that run is gone.
    const foreign =
      holder === undefined
        ? ` If no afsync run is going on, delete ${lockFile}.`
        : holder.host !== options.thisHost
          ? ` If no afsync runs on host ${holder.host} any more, delete ${lockFile}.`
          : "";
    super(
      "RUN_LOCKED",
      `${resource} is locked by ${who}${waited}; runs on one config never overlap. Try again when that run has finished, or wait longer with --wait-lock SECONDS.${foreign}`,
      { errorClass: "transient" },
    );
    this.resource = resource;
    this.lockFile = lockFile;
    this.holder = holder;
  }
}

/** A call to a source or target that failed; `errorClass` says whether a retry can help. */
export class RemoteCallError extends AfsyncError {
  readonly status?: number;
  constructor(message: string, options?: { cause?: unknown; status?: number; errorClass?: ErrorClass }) {
    super("REMOTE_CALL_FAILED", message, {
      cause: options?.cause,
      errorClass:
        options?.errorClass ?? (options?.status !== undefined && (options.status === 429 || options.status >= 500) ? "transient" : "user"),
    });
    if (options?.status !== undefined) this.status = options.status;
  }
}
