import { AfsyncError } from "@afsync/core";

/** The input is not an Event Grid delivery afsync understands; the message names what and where, never a value. */
export class UnrecognizedEventError extends AfsyncError {
  constructor(message: string) {
    super("UNRECOGNIZED_EVENT", message);
  }
}
