import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { verifyPubSubPushToken } from "../src/events/verifyPubSubPushToken.ts";
import {
  PUSH_AUDIENCE as AUDIENCE,
  GOOGLE_CERTS as certs,
  pushTokenClaims as claims,
  IMPOSTOR_KEY,
  PUSH_SERVICE_ACCOUNT as PUSH_SA,
  signGoogleToken as sign,
} from "./localGoogleKeys.ts";

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
    ["a wrongly signed token", `Bearer ${sign(claims(), IMPOSTOR_KEY)}`, /signature does not verify/],
    ["a token signed by an unknown key", `Bearer ${sign(claims(), IMPOSTOR_KEY, "someone-elses-key")}`, /not one of Google's/],
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
