import { status } from "@grpc/grpc-js";
import { GrpcStatusError } from "./GrpcStatusError.ts";

/**
 * The part of Secret Manager's list filter language afsync and its tests use: `name:<text>`
 * terms (a substring match on the resource name, as the service documents for `name:asecret`),
 * optionally quoted, joined by `OR`. Anything else is refused as the service refuses a filter it
 * cannot parse (INVALID_ARGUMENT), so a client relying on more is caught here, not in production.
 */
export function parseSecretListFilter(filter: string): (name: string) => boolean {
  const text = filter.trim();
  if (text === "") return () => true;
  const needles = text.split(/\s+OR\s+/).map((term) => {
    const match = /^name\s*:\s*(?:"([^"]*)"|([^\s"]+))$/.exec(term.trim());
    if (!match)
      throw new GrpcStatusError(
        status.INVALID_ARGUMENT,
        `Invalid filter: the emulator supports name:<text> terms joined by OR, got '${term}'`,
      );
    return match[1] ?? match[2] ?? "";
  });
  return (name) => needles.some((n) => name.includes(n));
}
