import { AfsyncError } from "@afsync/core";

/** The input is not a Vault event notification afsync understands; the message names the field and where. */
export class VaultEventError extends AfsyncError {
  constructor(message: string) {
    super("UNRECOGNIZED_EVENT", message);
  }
}
