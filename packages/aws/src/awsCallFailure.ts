import { RemoteCallError } from "@afsync/core";

/** The SDK error's name and HTTP status, without its message (which can echo request data). */
export function describeAwsError(err: unknown): { name: string; status?: number } {
  if (typeof err !== "object" || err === null) return { name: "UnknownError" };
  const name = "name" in err && typeof err.name === "string" ? err.name : "UnknownError";
  const meta = "$metadata" in err ? (err.$metadata as { httpStatusCode?: number } | undefined) : undefined;
  return meta?.httpStatusCode !== undefined ? { name, status: meta.httpStatusCode } : { name };
}

const THROTTLING = new Set(["ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "Throttling", "RateExceeded"]);

/** A failed AWS call as afsync's named error: transient when throttled or 5xx (after the SDK's own retries). */
export function awsCallError(what: string, err: unknown): RemoteCallError {
  const { name, status } = describeAwsError(err);
  const transient = THROTTLING.has(name) || status === 429 || (status !== undefined && status >= 500) || status === undefined;
  return new RemoteCallError(`${what} failed: ${name}${status !== undefined ? ` (HTTP ${status})` : ""}`, {
    cause: err,
    ...(status !== undefined ? { status } : {}),
    errorClass: transient ? "transient" : "user",
  });
}
