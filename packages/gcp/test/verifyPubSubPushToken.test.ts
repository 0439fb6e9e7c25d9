import assert from "node:assert/strict";
import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import { verifyPubSubPushToken } from "../src/events/verifyPubSubPushToken.ts";

// A local key set standing in for Google's: the verifier is handed these certificates, so no
// request ever leaves the machine (the network guard would fail it).
const google = generateKeyPairSync("rsa", { modulusLength: 2048 });
const impostor = generateKeyPairSync("rsa", { modulusLength: 2048 });
const KID = "local-google-key-1";
const certs = { [KID]: google.publicKey.export({ type: "spki", format: "pem" }).toString() };

const AUDIENCE = "https://afsync.example.com/push/gcp";
const PUSH_SA = "pubsub-push@my-project.iam.gserviceaccount.com";

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

function sign(claims: Record<string, unknown>, key: KeyObject = google.privateKey, kid = KID): string {
  const unsigned = `${b64url({ alg: "RS256", kid, typ: "JWT" })}.${b64url(claims)}`;
  const signature = createSign("RSA-SHA256").update(unsigned).sign(key).toString("base64url");
  return `${unsigned}.${signature}`;
}

/** The claims Pub/Sub puts in a push token (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). */
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: AUDIENCE,
    azp: "113774264463038321964",
    email: PUSH_SA,
    email_verified: true,
    exp: now + 3600,
    iat: now,
    iss: "https://accounts.google.com",
    sub: "113774264463038321964",
    ...overrides,
  };
}

const verify = (authorization: string | undefined) =>
  verifyPubSubPushToken(authorization, { audience: AUDIENCE, serviceAccountEmail: PUSH_SA, certs });

describe("verifyPubSubPushToken", () => {
  it("accepts a token Google signed for this audience and the push service account", async () => {
    assert.deepEqual(await verify(`Bearer ${sign(claims())}`), { ok: true, email: PUSH_SA, subject: "113774264463038321964" });
    assert.equal((await verify(`Bearer ${sign(claims({ iss: "accounts.google.com" }))}`)).ok, true, "both issuer spellings");
  });

  const now = Math.floor(Date.now() / 1000);
  const refusals: [string, string | undefined, RegExp][] = [
    ["a missing header (unauthenticated push)", undefined, /push is not authenticated/],
    ["another scheme", "Basic dXNlcjpwYXNz", /not a Bearer token/],
    ["a token that is no JWT", "Bearer not-a-jwt", /not a JWT/],
    ["an expired token", `Bearer ${sign(claims({ iat: now - 7200, exp: now - 3600 }))}`, /has expired/],
    [
      "a token for another audience",
      `Bearer ${sign(claims({ aud: "https://elsewhere.example.com/" }))}`,
      /audience is not this endpoint's/,
    ],
    ["a token from another issuer", `Bearer ${sign(claims({ iss: "https://issuer.example.com" }))}`, /issuer is not accounts\.google\.com/],
    ["a wrongly signed token", `Bearer ${sign(claims(), impostor.privateKey)}`, /signature does not verify/],
    ["a token signed by an unknown key", `Bearer ${sign(claims(), impostor.privateKey, "someone-elses-key")}`, /not one of Google's/],
    [
      "a token for another service account",
      `Bearer ${sign(claims({ email: "intruder@evil.iam.gserviceaccount.com" }))}`,
      /another service account/,
    ],
    ["a token whose email is not verified", `Bearer ${sign(claims({ email_verified: false }))}`, /email is not verified/],
    ["a token without an expiry", `Bearer ${sign(claims({ exp: undefined }))}`, /lacks iat or exp/],
  ];
  for (const [what, header, reason] of refusals) {
    it(`refuses ${what}, saying why without quoting the token`, async () => {
      const verdict = await verify(header);
      assert.equal(verdict.ok, false);
      assert.match(verdict.ok ? "" : verdict.reason, reason);
      const token = header?.split(" ")[1];
      if (token !== undefined && token.length > 8) assert.ok(!JSON.stringify(verdict).includes(token.split(".")[1] ?? token));
    });
  }
});
