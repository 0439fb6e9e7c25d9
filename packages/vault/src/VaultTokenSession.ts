import { RemoteCallError } from "@afsync/core";
import { type VaultHttpClient, type VaultRequest, type VaultResponse, vaultErrors } from "./VaultHttpClient.ts";

/** How a source gets its token: a given one (VAULT_TOKEN, a file an agent refreshes) or a login. */
export type VaultCredential =
  | { readonly kind: "static"; readonly describe: string; read(): Promise<string> }
  | {
      readonly kind: "login";
      /** The auth method, for messages (`approle`, `aws_iam`…). */
      readonly method: string;
      /** `auth/<mount>/login`. */
      readonly mount: string;
      /** The login body (and headers), built fresh each time: cloud identity tokens expire too. */
      body(): Promise<Record<string, unknown>>;
    };

interface Lease {
  readonly token: string;
  /** Epoch ms after which the token should be renewed or replaced; null when it never expires. */
  readonly refreshAt: number | null;
  readonly renewable: boolean;
}

/** Renew once this share of the lease has passed, as Vault Agent's lifetime watcher does. */
const RENEW_AT_FRACTION = 2 / 3;

/**
 * The token a source sends, kept valid: logged in lazily, renewed (`auth/token/renew-self`) once
 * two thirds of its lease have passed, re-obtained when renewal fails or the lease cannot be
 * extended, and after a 403 (revoked, expired early, or a rotated token file).
 */
export class VaultTokenSession {
  readonly #http: VaultHttpClient;
  readonly #credential: VaultCredential;
  readonly #now: () => number;
  #lease: Lease | null = null;
  #pending: Promise<Lease> | null = null;

  constructor(http: VaultHttpClient, credential: VaultCredential, now: () => number = Date.now) {
    this.#http = http;
    this.#credential = credential;
    this.#now = now;
  }

  get http(): VaultHttpClient {
    return this.#http;
  }

  /** A token valid now, renewing or logging in first when due. */
  async token(): Promise<string> {
    const lease = this.#lease;
    if (lease !== null && (lease.refreshAt === null || this.#now() < lease.refreshAt)) return lease.token;
    this.#pending ??= (lease === null ? this.#obtain() : this.#refresh(lease)).finally(() => {
      this.#pending = null;
    });
    this.#lease = await this.#pending;
    return this.#lease.token;
  }

  /** Forgets the current token (the server refused it): the next `token()` obtains a fresh one. */
  invalidate(): void {
    this.#lease = null;
  }

  /** Sends a request with the current token; on 403 obtains a fresh token once and retries. */
  async send(req: Omit<VaultRequest, "token">): Promise<VaultResponse> {
    const used = await this.token();
    const first = await this.#http.send({ ...req, token: used });
    if (first.status !== 403) return first;
    // Concurrent reads that all hit 403 replace the token once, not once each.
    if (this.#lease?.token === used) this.#lease = null;
    return this.#http.send({ ...req, token: await this.token() });
  }

  async #refresh(lease: Lease): Promise<Lease> {
    if (!lease.renewable) return this.#obtain();
    const renewed = await this.#http.send({ method: "POST", path: "auth/token/renew-self", token: lease.token, body: {} });
    const auth = renewed.status === 200 ? authOf(renewed.body) : null;
    // A lease at its max TTL renews to a shorter duration each time; once it stops growing, log in again.
    if (auth === null || auth.leaseSeconds <= 0) return this.#obtain();
    return this.#leaseOf(auth.token || lease.token, auth.leaseSeconds, auth.renewable);
  }

  async #obtain(): Promise<Lease> {
    const credential = this.#credential;
    if (credential.kind === "static") {
      const token = (await credential.read()).trim();
      if (token === "") throw new RemoteCallError(`no Vault token: ${credential.describe} is empty`, { errorClass: "user" });
      const looked = await this.#http.send({ method: "GET", path: "auth/token/lookup-self", token });
      if (looked.status === 403)
        throw new RemoteCallError(`the Vault token from ${credential.describe} is not valid (HTTP 403)`, { status: 403 });
      const data = dataOf(looked.body);
      const ttl = typeof data?.ttl === "number" ? data.ttl : 0;
      // Root and periodic-less tokens have ttl 0: they never expire.
      return this.#leaseOf(token, ttl, data?.renewable === true);
    }
    const response = await this.#http.send({ method: "POST", path: `auth/${credential.mount}/login`, body: await credential.body() });
    const auth = response.status === 200 ? authOf(response.body) : null;
    if (auth === null || auth.token === "") {
      const detail = vaultErrors(response.body);
      throw new RemoteCallError(
        `Vault ${credential.method} login at auth/${credential.mount} failed: HTTP ${response.status}${detail ? ` (${detail})` : ""}`,
        { status: response.status },
      );
    }
    return this.#leaseOf(auth.token, auth.leaseSeconds, auth.renewable);
  }

  #leaseOf(token: string, leaseSeconds: number, renewable: boolean): Lease {
    const refreshAt = leaseSeconds > 0 ? this.#now() + leaseSeconds * 1000 * RENEW_AT_FRACTION : null;
    return { token, refreshAt, renewable };
  }
}

function dataOf(body: unknown): Record<string, unknown> | null {
  if (typeof body !== "object" || body === null || !("data" in body)) return null;
  const data = body.data;
  return typeof data === "object" && data !== null ? (data as Record<string, unknown>) : null;
}

function authOf(body: unknown): { token: string; leaseSeconds: number; renewable: boolean } | null {
  if (typeof body !== "object" || body === null || !("auth" in body)) return null;
  const auth = body.auth;
  if (typeof auth !== "object" || auth === null) return null;
  const a = auth as Record<string, unknown>;
  return {
    token: typeof a.client_token === "string" ? a.client_token : "",
    leaseSeconds: typeof a.lease_duration === "number" ? a.lease_duration : 0,
    renewable: a.renewable === true,
  };
}
