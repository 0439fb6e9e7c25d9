import { AfsyncError } from "@afsync/core";

/** The input is not an AWS Secrets Manager or SSM Parameter Store event afsync understands. */
export class UnrecognizedEventError extends AfsyncError {
  constructor(message: string) {
    super("UNRECOGNIZED_EVENT", message);
  }
}
