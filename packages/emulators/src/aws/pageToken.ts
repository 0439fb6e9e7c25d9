import { AwsServiceError } from "./AwsServiceError.ts";

/**
 * Opaque paging tokens. AWS tokens are opaque too; ours carry the kind of listing so a token from
 * one operation is rejected by another, as the real services do.
 */
export function encodePageToken(kind: string, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset })).toString("base64url");
}

export function decodePageToken(token: string, kind: string, errorType: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "k" in parsed &&
      "o" in parsed &&
      parsed.k === kind &&
      typeof parsed.o === "number"
    ) {
      return parsed.o;
    }
  } catch {
    // fall through: any undecodable token is invalid
  }
  throw new AwsServiceError(errorType, "The NextToken value is invalid.");
}
