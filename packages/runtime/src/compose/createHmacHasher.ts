import { createHmac } from "node:crypto";
import type { Hasher } from "@afsync/core";

/** HMAC-SHA256 under the state's key: value hashes that can be compared but not reversed or precomputed. */
export function createHmacHasher(key: Uint8Array): Hasher {
  return { hmac: (data) => createHmac("sha256", key).update(data, "utf8").digest("hex") };
}

export const systemClock = { now: (): Date => new Date() };
