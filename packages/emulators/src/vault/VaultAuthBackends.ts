import { createPublicKey, randomUUID, verify } from "node:crypto";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { VaultApiError } from "./VaultKvStore.ts";

export interface TokenInfo {
  readonly namespace: string;
  /** Epoch ms; null for a token that never expires (root). */
  expiresAt: number | null;
  readonly ttlSeconds: number;
  readonly renewable: boolean;
  readonly method: string;
}

export interface LoginAuth {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: string[];
  readonly lease_duration: number;
  readonly renewable: boolean;
}

/**
 * Vault's token store and the login endpoints of the auth methods afsync supports, verifying what
 * can be verified locally: AppRole role/secret ids, JWTs (jwt, kubernetes, azure, gcp) signed by
 * a key the test trusts, and the AWS IAM login's SigV4-signed `GetCallerIdentity` request,
 * re-signed with the caller's known secret key.
 */
export class VaultAuthBackends {
  readonly #tokens = new Map<string, TokenInfo>();
  readonly #approles = new Map<string, { roleName: string; secretIds: Set<string> }>();
  readonly #jwtKeys = new Map<string, string[]>();
  readonly #roles = new Map<string, Set<string>>();
  readonly #awsKeys = new Map<string, { secretAccessKey: string; arn: string }>();
  readonly #now: () => number;
  tokenTtlSeconds: number;
  /** The `iam_server_id_header_value` the aws mount requires, when set. */
  awsServerId: string | undefined;

  constructor(now: () => number, tokenTtlSeconds: number) {
    this.#now = now;
    this.tokenTtlSeconds = tokenTtlSeconds;
  }

  issue(options: { namespace?: string; ttlSeconds?: number; renewable?: boolean; method?: string; token?: string } = {}): string {
    const token = options.token ?? `hvs.${randomUUID().replaceAll("-", "")}`;
    const ttl = options.ttlSeconds ?? this.tokenTtlSeconds;
    this.#tokens.set(token, {
      namespace: options.namespace ?? "",
      expiresAt: ttl > 0 ? this.#now() + ttl * 1000 : null,
      ttlSeconds: ttl,
      renewable: options.renewable ?? ttl > 0,
      method: options.method ?? "token",
    });
    return token;
  }

  revoke(token: string): void {
    this.#tokens.delete(token);
  }

  /** The token's info when it is valid now. */
  check(token: string | undefined): TokenInfo | null {
    if (!token) return null;
    const info = this.#tokens.get(token);
    if (!info) return null;
    if (info.expiresAt !== null && this.#now() >= info.expiresAt) {
      this.#tokens.delete(token);
      return null;
    }
    return info;
  }

  lookupSelf(token: string, info: TokenInfo): unknown {
    const ttl = info.expiresAt === null ? 0 : Math.max(0, Math.round((info.expiresAt - this.#now()) / 1000));
    return {
      data: {
        id: token,
        ttl,
        renewable: info.renewable,
        policies: ["default"],
        namespace_path: info.namespace ? `${info.namespace}/` : "",
      },
    };
  }

  renewSelf(token: string, info: TokenInfo): unknown {
    if (!info.renewable) throw new VaultApiError(400, "lease is not renewable");
    info.expiresAt = this.#now() + info.ttlSeconds * 1000;
    return { auth: { client_token: token, accessor: "", policies: ["default"], lease_duration: info.ttlSeconds, renewable: true } };
  }

  addAppRole(roleName: string, roleId: string, secretId: string): void {
    const entry = this.#approles.get(roleId) ?? { roleName, secretIds: new Set<string>() };
    entry.secretIds.add(secretId);
    this.#approles.set(roleId, entry);
  }

  /** Trust a PEM public key for JWTs presented at `auth/<mount>/login` and accept these roles. */
  trustJwtKey(mount: string, publicKeyPem: string, roles: readonly string[]): void {
    this.#jwtKeys.set(mount, [...(this.#jwtKeys.get(mount) ?? []), publicKeyPem]);
    this.#roles.set(mount, new Set([...(this.#roles.get(mount) ?? []), ...roles]));
  }

  addAwsCredentials(accessKeyId: string, secretAccessKey: string, arn: string, roles: readonly string[]): void {
    this.#awsKeys.set(accessKeyId, { secretAccessKey, arn });
    this.#roles.set("aws", new Set([...(this.#roles.get("aws") ?? []), ...roles]));
  }

  /** `POST auth/<mount>/login`, for the method the mount's name says (default mounts). */
  async login(mount: string, body: Record<string, unknown>, namespace: string): Promise<{ auth: LoginAuth }> {
    const method = mount === "approle" ? "approle" : mount === "aws" ? "aws" : mount;
    if (method === "approle") this.#approleLogin(body);
    else if (method === "aws") await this.#awsLogin(body);
    else this.#jwtLogin(mount, body);
    const token = this.issue({ namespace, method });
    return {
      auth: { client_token: token, accessor: randomUUID(), policies: ["default"], lease_duration: this.tokenTtlSeconds, renewable: true },
    };
  }

  #approleLogin(body: Record<string, unknown>): void {
    const entry = typeof body.role_id === "string" ? this.#approles.get(body.role_id) : undefined;
    if (!entry || typeof body.secret_id !== "string" || !entry.secretIds.has(body.secret_id))
      throw new VaultApiError(400, "invalid role or secret ID");
  }

  #jwtLogin(mount: string, body: Record<string, unknown>): void {
    const keys = this.#jwtKeys.get(mount);
    if (!keys) throw new VaultApiError(404, `no handler for route "auth/${mount}/login". route entry not found.`);
    if (typeof body.role !== "string" || !this.#roles.get(mount)?.has(body.role))
      throw new VaultApiError(400, `role "${String(body.role)}" could not be found`);
    if (typeof body.jwt !== "string") throw new VaultApiError(400, "missing jwt");
    const claims = verifyJwt(body.jwt, keys);
    if (claims === null) throw new VaultApiError(400, "error validating token: invalid signature");
    if (typeof claims.exp === "number" && claims.exp * 1000 < this.#now())
      throw new VaultApiError(400, "error validating token: token is expired");
    // Vault's gcp iam login: the JWT's audience names the role it logs in to.
    if (mount === "gcp" && claims.aud !== `vault/${body.role}`) throw new VaultApiError(400, "invalid audience");
  }

  async #awsLogin(body: Record<string, unknown>): Promise<void> {
    if (typeof body.role !== "string" || !this.#roles.get("aws")?.has(body.role))
      throw new VaultApiError(400, `entry for role ${String(body.role)} not found`);
    const decode = (v: unknown) => (typeof v === "string" ? Buffer.from(v, "base64").toString("utf8") : "");
    const url = new URL(decode(body.iam_request_url) || "invalid:");
    const requestBody = decode(body.iam_request_body);
    if (body.iam_http_request_method !== "POST" || !/^sts(\.[a-z0-9-]+)?\.amazonaws\.com$/.test(url.hostname))
      throw new VaultApiError(400, "invalid iam_request_url or method");
    if (!requestBody.includes("Action=GetCallerIdentity")) throw new VaultApiError(400, "iam_request_body is not a GetCallerIdentity call");
    const rawHeaders = JSON.parse(decode(body.iam_request_headers) || "{}") as Record<string, string | string[]>;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(rawHeaders)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(",") : v;
    if (this.awsServerId !== undefined && headers["x-vault-aws-iam-server-id"] !== this.awsServerId)
      throw new VaultApiError(400, "expected X-Vault-AWS-IAM-Server-ID header value did not match");
    const auth = headers.authorization ?? "";
    const m = /Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request/.exec(auth);
    const amzDate = headers["x-amz-date"] ?? "";
    const known = m ? this.#awsKeys.get(m[1] as string) : undefined;
    if (!m || !known || !/^\d{8}T\d{6}Z$/.test(amzDate))
      throw new VaultApiError(400, "error making upstream request: InvalidClientTokenId");
    const signingDate = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    // STS refuses a signature more than 15 minutes from its clock.
    if (Math.abs(signingDate.getTime() - this.#now()) > 15 * 60_000)
      throw new VaultApiError(400, "error making upstream request: SignatureDoesNotMatch (expired)");
    const { authorization: _a, "x-amz-date": _d, "x-amz-content-sha256": _c, ...unsigned } = headers;
    const sessionToken = headers["x-amz-security-token"];
    const { "x-amz-security-token": _t, ...withoutToken } = unsigned;
    const signer = new SignatureV4({
      credentials: { accessKeyId: m[1] as string, secretAccessKey: known.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      region: m[3] as string,
      service: "sts",
      sha256: Sha256,
    });
    const resigned = await signer.sign(
      {
        method: "POST",
        protocol: "https:",
        hostname: url.hostname,
        path: url.pathname || "/",
        headers: withoutToken,
        body: requestBody,
        query: {},
      },
      { signingDate },
    );
    if (resigned.headers.authorization !== auth) throw new VaultApiError(400, "error making upstream request: SignatureDoesNotMatch");
  }
}

/** RS256/ES256 JWT signature check against any trusted key; the claims, or null. */
function verifyJwt(jwt: string, keys: readonly string[]): Record<string, unknown> | null {
  const [h, p, s] = jwt.split(".");
  if (!h || !p || !s) return null;
  let header: { alg?: string };
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as { alg?: string };
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (header.alg !== "RS256") return null;
  const signed = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  return keys.some((pem) => verify("RSA-SHA256", signed, createPublicKey(pem), signature)) ? claims : null;
}
