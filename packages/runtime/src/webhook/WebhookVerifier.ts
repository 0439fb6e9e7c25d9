import { createHmac, timingSafeEqual } from "node:crypto";
import { ReplayCache } from "./ReplayCache.ts";

/** The header a signed webhook carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = "x-afsync-signature";

/** How far a timestamp may be from now, either way, before the delivery counts as stale. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type VerifyResult =
  | { readonly ok: true; readonly timestamp: number }
  /** 401: not signed by someone holding the secret. 409: signed, but stale or already delivered. */
  | { readonly ok: false; readonly status: 401 | 409; readonly reason: string };

/** The header value for `body` signed at `timestamp` (unix seconds): what a sender computes. */
export function signWebhookBody(secret: string, body: string | Uint8Array, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Checks `X-Afsync-Signature` the way Stripe-style signed webhooks are checked: the signature
 * first (so an unauthenticated caller learns nothing about freshness), compared in constant
 * time; then the timestamp against the tolerance; then the replay cache. Several `v1=` entries
 * are accepted so a sender can sign with an old and a new secret during a rotation.
 */
export class WebhookVerifier {
  private readonly replays: ReplayCache;
  private readonly toleranceSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly secret: string,
    options?: { toleranceSeconds?: number; nowMs?: () => number },
  ) {
    if (secret.length === 0) throw new Error("webhook secret must not be empty");
    this.toleranceSeconds = options?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    this.now = options?.nowMs ?? Date.now;
    this.replays = new ReplayCache(this.toleranceSeconds * 1000);
  }

  verify(header: string | undefined, rawBody: string | Uint8Array): VerifyResult {
    if (header === undefined || header.trim() === "") return { ok: false, status: 401, reason: "missing X-Afsync-Signature header" };
    const parsed = parseSignatureHeader(header);
    if (parsed === null)
      return { ok: false, status: 401, reason: "malformed X-Afsync-Signature header (expected t=<unix seconds>,v1=<hex>)" };
    const expected = Buffer.from(hmacHex(this.secret, parsed.timestamp, rawBody), "hex");
    let match = false;
    for (const candidate of parsed.signatures) {
      const given = Buffer.from(candidate, "hex");
      // timingSafeEqual needs equal lengths; a wrong length is a mismatch, decided without timing on content.
      if (given.length === expected.length && timingSafeEqual(given, expected)) match = true;
    }
    if (!match) return { ok: false, status: 401, reason: "signature does not match" };
    const nowMs = this.now();
    const ageSeconds = nowMs / 1000 - parsed.timestamp;
    if (Math.abs(ageSeconds) > this.toleranceSeconds) {
      return { ok: false, status: 409, reason: `timestamp outside the ${this.toleranceSeconds}s tolerance (stale or clock skew)` };
    }
    if (!this.replays.remember(expected.toString("hex"), parsed.timestamp * 1000, nowMs)) {
      return { ok: false, status: 409, reason: "this delivery was already accepted (replay)" };
    }
    return { ok: true, timestamp: parsed.timestamp };
  }
}

function hmacHex(secret: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac("sha256", secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return mac.digest("hex");
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === "t") {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (name === "v1") {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
      signatures.push(value.toLowerCase());
    }
    // Other schemes (v0, …) are ignored, as signed-webhook receivers do, so senders can add new ones.
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, signatures };
}
