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

/** A config file (or CLI input) that does not validate; `path` names the bad key. */
export class ConfigError extends AfsyncError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("INVALID_CONFIG", path ? `${path}: ${message}` : message, options);
    this.path = path;
  }
}

/** A secret that does not exist: a deletion signal under the deletion policy, not a crash. */
export class SecretNotFoundError extends AfsyncError {
  readonly secretId: string;
  constructor(secretId: string, options?: { cause?: unknown }) {
    super("SECRET_NOT_FOUND", `secret ${secretId} does not exist`, options);
    this.secretId = secretId;
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
