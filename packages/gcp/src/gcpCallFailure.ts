import { RemoteCallError } from "@afsync/core";
import { status } from "@grpc/grpc-js";

/** The gRPC status code of a failed call (google-gax's GoogleError carries it as `code`). */
export function grpcCodeOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("code" in err)) return undefined;
  return typeof err.code === "number" ? err.code : undefined;
}

/** `NOT_FOUND`, `RESOURCE_EXHAUSTED`…, or `UNKNOWN` for anything that is not a gRPC status. */
export function grpcCodeName(err: unknown): string {
  const code = grpcCodeOf(err);
  return code === undefined ? "UNKNOWN" : (status[code] ?? `CODE_${code}`);
}

// Worth another attempt: quota (RESOURCE_EXHAUSTED), the service or the network (UNAVAILABLE),
// a slow answer (DEADLINE_EXCEEDED). Every call afsync makes is a read, so retrying is safe.
const TRANSIENT = new Set<number>([status.RESOURCE_EXHAUSTED, status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

export function isTransientGcpError(err: unknown): boolean {
  const code = grpcCodeOf(err);
  return code === undefined || TRANSIENT.has(code);
}

/**
 * A failed Secret Manager call as afsync's named error. Only the status name is kept: the
 * service's message names resources, and other layers' messages could echo request data.
 */
export function gcpCallError(what: string, err: unknown): RemoteCallError {
  return new RemoteCallError(`${what} failed: ${grpcCodeName(err)}`, {
    cause: err,
    errorClass: isTransientGcpError(err) ? "transient" : "user",
  });
}
