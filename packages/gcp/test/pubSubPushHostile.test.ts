import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { verifyPubSubPushToken } from "../src/events/verifyPubSubPushToken.ts";
import { GOOGLE_CERTS, GOOGLE_KID, PUSH_AUDIENCE, PUSH_SERVICE_ACCOUNT, pushTokenClaims, signGoogleToken } from "./localGoogleKeys.ts";

// Forged push tokens beyond the plain refusals in verifyPubSubPushToken.test.ts: the classic JWT
// attacks (alg none, HS256 keyed with the public key, a re-signed or spliced payload, prototype
// key ids) and junk sizes. Each is refused with a reason and never quoted back.
const verify = (authorization: string | undefined) =>
  verifyPubSubPushToken(authorization, { audience: PUSH_AUDIENCE, serviceAccountEmail: PUSH_SERVICE_ACCOUNT, certs: GOOGLE_CERTS });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

async function assertRefused(authorization: string, reason?: RegExp): Promise<void> {
  const verdict = await verify(authorization);
  assert.equal(verdict.ok, false, authorization.slice(0, 80));
  if (!verdict.ok) {
    if (reason !== undefined) assert.match(verdict.reason, reason);
    const payload = authorization.split(".")[1];
    if (payload !== undefined && payload.length > 8) assert.ok(!verdict.reason.includes(payload), "the token is not quoted");
    assert.ok(verdict.reason.length < 200, "a short reason, whatever the token's size");
  }
}

describe("Pub/Sub push token under forgery", () => {
  it("refuses alg none and an HS256 token keyed with Google's public key", async () => {
    const claims = b64url(pushTokenClaims());
    await assertRefused(`Bearer ${b64url({ alg: "none", kid: GOOGLE_KID, typ: "JWT" })}.${claims}.`);
    await assertRefused(`Bearer ${b64url({ alg: "none", typ: "JWT" })}.${claims}.`);
    const hsHead = b64url({ alg: "HS256", kid: GOOGLE_KID, typ: "JWT" });
    const hsSig = createHmac("sha256", GOOGLE_CERTS[GOOGLE_KID] ?? "")
      .update(`${hsHead}.${claims}`)
      .digest("base64url");
    await assertRefused(`Bearer ${hsHead}.${claims}.${hsSig}`);
  });

  it("refuses a genuine signature over a spliced payload (audience, service account or expiry changed)", async () => {
    const genuine = signGoogleToken(pushTokenClaims());
    const [head, , signature] = genuine.split(".");
    for (const change of [
      { aud: "https://elsewhere.example/" },
      { email: "intruder@evil.iam.gserviceaccount.com" },
      { exp: 9_999_999_999 },
    ]) {
      await assertRefused(`Bearer ${head}.${b64url(pushTokenClaims(change))}.${signature}`, /signature does not verify|further away/);
    }
  });

  it("refuses key ids that name prototype properties, and tokens far in the future or not yet valid", async () => {
    for (const kid of ["__proto__", "constructor", "toString", "hasOwnProperty"])
      await assertRefused(`Bearer ${signGoogleToken(pushTokenClaims(), undefined, kid)}`);
    const now = Math.floor(Date.now() / 1000);
    await assertRefused(`Bearer ${signGoogleToken(pushTokenClaims({ exp: now + 30 * 86_400 }))}`, /further away/);
    await assertRefused(`Bearer ${signGoogleToken(pushTokenClaims({ iat: now + 3600, exp: now + 7200 }))}`, /not valid yet/);
    await assertRefused(`Bearer ${signGoogleToken(pushTokenClaims({ iat: undefined }))}`, /lacks iat or exp/);
  });

  it("refuses junk and oversized tokens quickly, naming no part of them", async () => {
    await assertRefused("Bearer", /not a Bearer token/);
    await assertRefused("Bearer a b", /not a Bearer token/);
    await assertRefused("Bearer ...", /not a JWT|could not be verified/);
    await assertRefused(`Bearer ${"A".repeat(1024 * 1024)}`, /not a JWT|too long/);
    await assertRefused(`Bearer ${b64url({ alg: "RS256", kid: GOOGLE_KID })}.${"A".repeat(1024 * 1024)}.sig`, /too long|not a JWT/);
    await assertRefused(`Bearer ${b64url({ alg: "RS256", kid: GOOGLE_KID })}.${Buffer.from("not json").toString("base64url")}.sig`);
  });
});
