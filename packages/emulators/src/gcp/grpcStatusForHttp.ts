import { status } from "@grpc/grpc-js";

/**
 * Google's HTTP ↔ gRPC status mapping (google.rpc.Code), so a fault injected as an HTTP status
 * (`inject({ status: 503 })`) reaches a gRPC client as the code Google's services send for it.
 */
const HTTP_TO_GRPC: Readonly<Record<number, status>> = {
  400: status.INVALID_ARGUMENT,
  403: status.PERMISSION_DENIED,
  404: status.NOT_FOUND,
  409: status.ABORTED,
  429: status.RESOURCE_EXHAUSTED,
  500: status.INTERNAL,
  501: status.UNIMPLEMENTED,
  503: status.UNAVAILABLE,
  504: status.DEADLINE_EXCEEDED,
};

export function grpcStatusForHttp(httpStatus: number): status {
  return HTTP_TO_GRPC[httpStatus] ?? status.UNKNOWN;
}
