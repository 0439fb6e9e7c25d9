import { createHmac } from "node:crypto";
import type { Hasher } from "@afsync/core";

/** HMAC-SHA256 with a fixed test key: the production algorithm, deterministic across runs. */
export function createTestHasher(key: string | Uint8Array = "afsync-test-hmac-key"): Hasher {
  return { hmac: (data) => createHmac("sha256", key).update(data, "utf8").digest("hex") };
}
