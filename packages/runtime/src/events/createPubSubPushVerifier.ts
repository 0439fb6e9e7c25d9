import { type PubSubPushTokenVerdict, verifyPubSubPushToken } from "@afsync/gcp/events/verifyPubSubPushToken";
import { type Certificates, OAuth2Client } from "google-auth-library";

/** Checks the `Authorization` header of an authenticated Pub/Sub push; the verdict's reason never holds the token. */
export type PubSubPushVerifier = (authorization: string | undefined) => Promise<PubSubPushTokenVerdict>;

/**
 * The OIDC check for Pub/Sub push deliveries outside the functions (`afsync serve`'s
 * `POST /pubsub`), from `serve.pubsub_push`. One OAuth2Client for the server's life, so Google's
 * certificates are fetched once and cached; `certs` replaces them with a local key set (tests).
 */
export function createPubSubPushVerifier(
  expected: { readonly audience: string; readonly serviceAccount: string },
  certs?: Certificates,
): PubSubPushVerifier {
  const client = new OAuth2Client();
  const expectations = {
    audience: expected.audience,
    serviceAccountEmail: expected.serviceAccount,
    client,
    ...(certs !== undefined ? { certs } : {}),
  };
  return (authorization) => verifyPubSubPushToken(authorization, expectations);
}
