import { type Certificates, OAuth2Client } from "google-auth-library";

/** Google signs OIDC tokens with either spelling of its issuer. */
const GOOGLE_ISSUERS = ["accounts.google.com", "https://accounts.google.com"];

export interface PubSubPushTokenExpectations {
  /** The audience set on the push subscription (by default the push endpoint's URL). */
  readonly audience: string;
  /** The service account the push subscription authenticates as. */
  readonly serviceAccountEmail: string;
  /**
   * Signing keys by key id (PEM). Absent in production: the client fetches Google's public
   * certificates (https://www.googleapis.com/oauth2/v1/certs) and caches them. Tests pass a local
   * key set so nothing leaves the machine.
   */
  readonly certs?: Certificates;
  /** Reuse one client across requests (it caches Google's certificates). */
  readonly client?: OAuth2Client;
}

export type PubSubPushTokenVerdict =
  | { readonly ok: true; readonly email: string; readonly subject: string }
  | { readonly ok: false; readonly reason: string };

// google-auth-library's messages quote the token or its payload: afsync keeps only what failed.
const LIBRARY_REASONS: readonly [RegExp, string][] = [
  [/^Wrong number of segments|^Can't parse token/, "the bearer token is not a JWT"],
  [/^No pem found/, "the token is signed by a key that is not one of Google's (unknown key id)"],
  [/^Invalid token signature/, "the token's signature does not verify"],
  [/^No issue time|^No expiration time/, "the token lacks iat or exp"],
  [/^Expiration time too far in future/, "the token's expiry is further away than Google issues tokens for"],
  [/^Token used too early/, "the token is not valid yet (iat in the future)"],
  [/^Token used too late/, "the token has expired"],
  [/^Invalid issuer/, "the token's issuer is not accounts.google.com"],
  [/^Wrong recipient/, "the token's audience is not this endpoint's"],
];

/**
 * Checks the OIDC token an authenticated Pub/Sub push sends in `Authorization: Bearer …`: signed
 * by Google, issued by accounts.google.com, for this audience, not expired, and naming the push
 * subscription's service account with a verified email. Without those checks anyone who finds the
 * endpoint's URL can trigger syncs. The verdict's reason names what failed, never the token.
 */
export async function verifyPubSubPushToken(
  authorization: string | undefined,
  expected: PubSubPushTokenExpectations,
): Promise<PubSubPushTokenVerdict> {
  if (authorization === undefined || authorization.trim() === "")
    return { ok: false, reason: "no Authorization header: the push is not authenticated" };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const token = match?.[1];
  if (token === undefined) return { ok: false, reason: "the Authorization header is not a Bearer token" };
  const client = expected.client ?? new OAuth2Client();
  let payload: Record<string, unknown> | undefined;
  try {
    const ticket = expected.certs
      ? await client.verifySignedJwtWithCertsAsync(token, expected.certs, expected.audience, GOOGLE_ISSUERS)
      : await client.verifyIdToken({ idToken: token, audience: expected.audience });
    // verifyIdToken checks the issuer itself; verifySignedJwtWithCertsAsync was given the list.
    payload = ticket.getPayload() as Record<string, unknown> | undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : "";
    const reason = LIBRARY_REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? "the token could not be verified";
    return { ok: false, reason };
  }
  if (payload === undefined) return { ok: false, reason: "the token has no payload" };
  if (payload.email !== expected.serviceAccountEmail)
    return { ok: false, reason: "the token names another service account than the push subscription's" };
  if (payload.email_verified !== true) return { ok: false, reason: "the token's email is not verified" };
  return { ok: true, email: expected.serviceAccountEmail, subject: typeof payload.sub === "string" ? payload.sub : "" };
}
