import { AfsyncError } from "@afsync/core";

/** The input is not a Secret Manager notification (Pub/Sub push body or messagePublished CloudEvent) afsync understands. */
export class UnrecognizedEventError extends AfsyncError {
  constructor(message: string) {
    super("UNRECOGNIZED_EVENT", message);
  }
}
