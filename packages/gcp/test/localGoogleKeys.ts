import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";

/**
 * A local key set standing in for Google's OIDC signing keys: verifiers are handed `certs`, so no
 * request ever leaves the machine (the network guard would fail it), and `signGoogleToken` mints
 * the tokens an authenticated Pub/Sub push carries.
 */
const google = generateKeyPairSync("rsa", { modulusLength: 2048 });
export const IMPOSTOR_KEY: KeyObject = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
export const GOOGLE_KID = "local-google-key-1";
export const GOOGLE_CERTS: Record<string, string> = { [GOOGLE_KID]: google.publicKey.export({ type: "spki", format: "pem" }).toString() };

export const PUSH_AUDIENCE = "https://afsync.example.com/push/gcp";
export const PUSH_SERVICE_ACCOUNT = "pubsub-push@my-project.iam.gserviceaccount.com";

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function signGoogleToken(claims: Record<string, unknown>, key: KeyObject = google.privateKey, kid = GOOGLE_KID): string {
  const unsigned = `${b64url({ alg: "RS256", kid, typ: "JWT" })}.${b64url(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url");
  return `${unsigned}.${signature}`;
}

/** The claims Pub/Sub puts in a push token (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). */
export function pushTokenClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: PUSH_AUDIENCE,
    azp: "113774264463038321964",
    email: PUSH_SERVICE_ACCOUNT,
    email_verified: true,
    exp: now + 3600,
    iat: now,
    iss: "https://accounts.google.com",
    sub: "113774264463038321964",
    ...overrides,
  };
}
