import type { Hasher } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { createHmacHasher } from "../compose/createHmacHasher.ts";

/**
 * The keyed hasher of the reconcile fan-out, from the HMAC key the cloud workers already hold
 * (`state.hmac_key_env`, AFSYNC_HMAC_KEY): a fingerprint over value hashes (sources that list no
 * versions) must not be open to guessing a short value, so it is keyed like every stored hash.
 * Undefined when the key is not there: the reconcile then enqueues every Deployment, as before.
 */
export function fanoutHasherFromEnv(config: AfsyncConfig, env: NodeJS.ProcessEnv): Hasher | undefined {
  if (config.state.type !== "target") return undefined;
  const value = env[config.state.hmacKeyEnv];
  if (value === undefined || value.length < 32) return undefined;
  return createHmacHasher(new TextEncoder().encode(value));
}
