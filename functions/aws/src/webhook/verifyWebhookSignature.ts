import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The signed webhook of the local mode (`afsync serve` → cloud):
 * `X-Afsync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the
 * shared webhook secret. Same scheme as Stripe's, for the same reasons: the timestamp is inside
 * the MAC, so an old capture cannot be re-sent with a fresh time.
 */
export const SIGNATURE_HEADER = "x-afsync-signature";
export const MAX_SKEW_SECONDS = 300;

export type SignatureCheck =
  | { readonly ok: true; readonly timestamp: number; readonly signature: string }
  | { readonly ok: false; readonly status: 401 | 409; readonly reason: string };

export function verifyWebhookSignature(header: string | undefined, rawBody: string, secret: string, nowSeconds: number): SignatureCheck {
  if (header === undefined || header.trim() === "") return { ok: false, status: 401, reason: `missing ${SIGNATURE_HEADER} header` };
  const parts = new Map<string, string[]>();
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    parts.set(name, [...(parts.get(name) ?? []), part.slice(eq + 1).trim()]);
  }
  const t = parts.get("t")?.[0];
  const candidates = parts.get("v1") ?? [];
  if (t === undefined || !/^\d{1,12}$/.test(t) || candidates.length === 0) {
    return { ok: false, status: 401, reason: `malformed ${SIGNATURE_HEADER} header: expected t=<unix seconds>,v1=<hex>` };
  }
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  // Several v1 entries are allowed so a sender can sign with the old and the new secret while
  // the secret is being rotated.
  const match = candidates.find((hex) => /^[0-9a-f]{64}$/i.test(hex) && timingSafeEqual(Buffer.from(hex, "hex"), expected));
  if (match === undefined) return { ok: false, status: 401, reason: "signature does not match" };
  // Checked after the MAC so an unauthenticated caller learns nothing about our clock.
  const timestamp = Number(t);
  if (Math.abs(nowSeconds - timestamp) > MAX_SKEW_SECONDS) {
    return { ok: false, status: 409, reason: `stale request: signed at ${timestamp}, more than ${MAX_SKEW_SECONDS}s from now` };
  }
  return { ok: true, timestamp, signature: match.toLowerCase() };
}

/** Signs a body the way the local mode does; used by tests and the docs' curl example. */
export function signWebhookBody(rawBody: string, secret: string, timestampSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${rawBody}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}
