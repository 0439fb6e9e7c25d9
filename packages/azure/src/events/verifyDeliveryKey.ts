import { createHmac, timingSafeEqual } from "node:crypto";

/** Where an Event Grid delivery carries afsync's shared secret, and the secret itself. */
export interface DeliveryKeyAuth {
  /** The shared secret (from an env var or Key Vault reference, never the config file). */
  readonly secret: string;
  /** Query parameter of the subscription's endpoint URL that holds the key; Azure Functions' function key is `code`. */
  readonly queryParameter?: string;
  /** Or a header set as a secret delivery attribute on the subscription. */
  readonly header?: string;
}

export const DEFAULT_KEY_QUERY_PARAMETER = "code";
export const DEFAULT_KEY_HEADER = "x-afsync-delivery-key";

export interface DeliveryCredentials {
  /** Query parameters of the request URL. */
  readonly query: URLSearchParams;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * Whether a delivery presents the shared secret. Compared in constant time: both sides are first
 * reduced to an HMAC of fixed length, so neither the content nor the length of the secret leaks
 * through timing. A missing secret on our side refuses everything rather than accepting everything.
 */
export function verifyDeliveryKey(request: DeliveryCredentials, auth: DeliveryKeyAuth): boolean {
  if (auth.secret === "") return false;
  const presented = [
    request.query.get(auth.queryParameter ?? DEFAULT_KEY_QUERY_PARAMETER),
    request.headers[(auth.header ?? DEFAULT_KEY_HEADER).toLowerCase()],
  ];
  let ok = false;
  // Both candidates are always compared, so timing does not tell which one was present.
  for (const candidate of presented) {
    const matches = constantTimeEquals(candidate ?? "", auth.secret);
    if (matches && candidate !== undefined && candidate !== null) ok = true;
  }
  return ok;
}

function constantTimeEquals(a: string, b: string): boolean {
  const key = "afsync-delivery-key-compare";
  const da = createHmac("sha256", key).update(a).digest();
  const db = createHmac("sha256", key).update(b).digest();
  return timingSafeEqual(da, db);
}
