import { RemoteCallError } from "@afsync/core";

/** A Key Vault error as code, inner code and HTTP status: never the message, which can echo request data. */
export interface KeyVaultErrorInfo {
  readonly code: string;
  readonly innerCode?: string;
  readonly status?: number;
}

export function describeKeyVaultError(err: unknown): KeyVaultErrorInfo {
  if (typeof err !== "object" || err === null) return { code: "UnknownError" };
  const e = err as { code?: unknown; statusCode?: unknown; details?: unknown; response?: { bodyAsText?: string | null } };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const code = typeof e.code === "string" ? e.code : status === undefined ? "RequestSendError" : `HTTP${status}`;
  const innerCode = innerErrorCode(e.details) ?? innerErrorCode(parseBody(e.response?.bodyAsText));
  return { code, ...(innerCode === undefined ? {} : { innerCode }), ...(status === undefined ? {} : { status }) };
}

// Key Vault nests the precise reason: 403 Forbidden + innererror SecretDisabled for a disabled
// secret. The wire says `innererror`; the SDK's deserialized `details` say `innerError`.
function innerErrorCode(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const error = (body as { error?: { innererror?: { code?: unknown }; innerError?: { code?: unknown } } }).error;
  const inner = error?.innerError?.code ?? error?.innererror?.code;
  return typeof inner === "string" ? inner : undefined;
}

function parseBody(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function describeFailure(info: KeyVaultErrorInfo): string {
  const inner = info.innerCode === undefined ? "" : `/${info.innerCode}`;
  const status = info.status === undefined ? "" : ` (HTTP ${info.status})`;
  const throttled = info.status === 429 ? ", throttled past the retry budget" : "";
  return `${info.code}${inner}${status}${throttled}`;
}

/** A failed Key Vault call as afsync's named error: transient when throttled, 5xx or unsent. */
export function keyVaultCallError(what: string, err: unknown): RemoteCallError {
  const info = describeKeyVaultError(err);
  const transient = info.status === undefined || info.status === 429 || info.status >= 500;
  return new RemoteCallError(`${what} failed: ${describeFailure(info)}`, {
    cause: err,
    ...(info.status === undefined ? {} : { status: info.status }),
    errorClass: transient ? "transient" : "user",
  });
}
