import type { status } from "@grpc/grpc-js";

/** A failed call as the server answers it: a gRPC status and the service's message. */
export class GrpcStatusError extends Error {
  readonly code: status;
  constructor(code: status, message: string) {
    super(message);
    this.code = code;
  }
}
