import { createSign, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { RouteAnswer } from "./routeKvRequest.ts";

/**
 * Stand-ins for what the cloud logins ask before they reach Vault: Azure's managed-identity
 * endpoint (`/msi/token`, what `IDENTITY_ENDPOINT` points at in Functions and App Service), and
 * GCP's metadata server plus the IAM Credentials `signJwt` API. Their JWTs are signed with one
 * key made here; `publicKeyPem` is what a Vault mount trusts to accept them.
 */
export class CloudIdentityStandIns {
  readonly publicKeyPem: string;
  readonly #privateKey: KeyObject;
  readonly #now: () => number;

  constructor(now: () => number) {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    this.#privateKey = privateKey;
    this.#now = now;
  }

  /** The answer when `path` is one of the stand-ins' endpoints, else null. */
  handle(path: string, url: URL, body: Record<string, unknown>): RouteAnswer | null {
    if (path === "/msi/token") {
      const resource = url.searchParams.get("resource") ?? "";
      const iat = Math.floor(this.#now() / 1000);
      const token = this.sign({ aud: resource, iss: "https://sts.windows.net/emulated/", iat, exp: iat + 3600, xms_mirid: "emulated" });
      return {
        op: "azure-identity/token",
        status: 200,
        body: { access_token: token, expires_on: String(iat + 3600), resource, token_type: "Bearer" },
      };
    }
    if (path.startsWith("/computeMetadata/v1/instance/service-accounts/default/")) {
      if (path.endsWith("/email"))
        return { op: "gcp-metadata/email", status: 200, body: "afsync@emulated-project.iam.gserviceaccount.com" };
      return {
        op: "gcp-metadata/token",
        status: 200,
        body: { access_token: "gcp-metadata-access-token", expires_in: 3599, token_type: "Bearer" },
      };
    }
    if (/^\/v1\/projects\/-\/serviceAccounts\/[^/]+:signJwt$/.test(path)) {
      const claims = JSON.parse(String(body.payload ?? "{}")) as Record<string, unknown>;
      return { op: "gcp-iam/signJwt", status: 200, body: { keyId: "emulated", signedJwt: this.sign(claims) } };
    }
    return null;
  }

  sign(claims: Record<string, unknown>): string {
    const head = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT" })).toString("base64url");
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const signature = createSign("RSA-SHA256").update(`${head}.${payload}`).sign(this.#privateKey).toString("base64url");
    return `${head}.${payload}.${signature}`;
  }
}
