import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { RemoteCallError } from "@afsync/core";

export interface VaultResponse {
  readonly status: number;
  /** The parsed JSON body, or null for an empty body (204). */
  readonly body: unknown;
}

export interface VaultRequest {
  readonly method: "GET" | "LIST" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** The API path after `/v1/`, e.g. `secret/data/connections/db`. */
  readonly path: string;
  readonly body?: unknown;
  /** Sent as `X-Vault-Token`; absent for logins. */
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface VaultHttpOptions {
  /** The server's address (`VAULT_ADDR`), e.g. `https://vault.internal:8200`. */
  readonly url: string;
  /** Enterprise namespace sent as `X-Vault-Namespace` on every request (`VAULT_NAMESPACE`). */
  readonly namespace?: string;
  /** PEM CA bundle for a private CA (`VAULT_CACERT`). */
  readonly ca?: string | Buffer;
  /** Retries on the statuses Airflow's client retries (412, 500, 502, 503) and 429; default 3. */
  readonly maxRetries?: number;
  /** First backoff; doubles per retry. Airflow's `backoff_factor` is 0.1 s. */
  readonly retryBaseMs?: number;
  readonly timeoutMs?: number;
}

// Airflow's `_VaultClient` mounts `Retry(total=3, backoff_factor=0.1, status_forcelist=[412, 500, 502, 503])`.
// 412 is a performance standby that has not caught up yet; 429 is a rate-limit quota.
const RETRY_STATUSES = new Set([412, 429, 500, 502, 503]);

/**
 * Vault's HTTP API over Node's own http(s) client: HashiCorp publishes no Node SDK, and Node's
 * `fetch` cannot take a private CA per request (VAULT_CACERT) without a separate undici agent.
 * Knows nothing of tokens beyond sending one; `VaultTokenSession` decides which.
 */
export class VaultHttpClient {
  readonly url: string;
  readonly namespace: string | undefined;
  readonly #options: VaultHttpOptions;

  constructor(options: VaultHttpOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.namespace = options.namespace;
    this.#options = options;
  }

  /** Sends one request, retrying transient statuses and network errors; any status comes back as is. */
  async send(req: VaultRequest): Promise<VaultResponse> {
    const maxRetries = this.#options.maxRetries ?? 3;
    const base = this.#options.retryBaseMs ?? 100;
    for (let attempt = 0; ; attempt++) {
      let response: VaultResponse;
      try {
        response = await this.#once(req);
      } catch (err) {
        if (attempt >= maxRetries) {
          throw new RemoteCallError(`Vault ${req.method} /v1/${req.path} failed: ${networkReason(err)}`, {
            cause: err,
            errorClass: "transient",
          });
        }
        await sleep(base * 2 ** attempt);
        continue;
      }
      if (!RETRY_STATUSES.has(response.status) || attempt >= maxRetries) return response;
      await sleep(base * 2 ** attempt);
    }
  }

  /** The WebSocket URL of an API path (`ws://` or `wss://`), for the events subscription. */
  webSocketUrl(path: string): string {
    return `${this.url.replace(/^http/, "ws")}/v1/${path}`;
  }

  /** Headers every request carries: the namespace and Vault's CSRF-style request marker. */
  baseHeaders(token?: string): Record<string, string> {
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (this.namespace) headers["X-Vault-Namespace"] = this.namespace;
    if (token) headers["X-Vault-Token"] = token;
    return headers;
  }

  get ca(): string | Buffer | undefined {
    return this.#options.ca;
  }

  #once(req: VaultRequest): Promise<VaultResponse> {
    const target = new URL(`${this.url}/v1/${req.path}`);
    // Vault's own Go client sends LIST as `GET ?list=true`; proxies (and Node's parser) may not know the LIST verb.
    const method = req.method === "LIST" ? "GET" : req.method;
    if (req.method === "LIST") target.searchParams.set("list", "true");
    const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = { ...this.baseHeaders(req.token), ...req.headers };
    if (payload !== undefined) {
      headers["Content-Type"] ??= "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const r = send(
        target,
        {
          method,
          headers,
          timeout: this.#options.timeoutMs ?? 30_000,
          ...(target.protocol === "https:" && this.#options.ca ? { ca: this.#options.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let body: unknown = null;
            if (text.trim() !== "") {
              try {
                body = JSON.parse(text);
              } catch {
                // A proxy's HTML error page: keep the status, never the text (it is not Vault's and not needed).
                body = null;
              }
            }
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      r.on("timeout", () => r.destroy(new Error("timed out")));
      r.on("error", reject);
      r.end(payload);
    });
  }
}

/** Vault's `{"errors": [...]}`, joined; these name the route or the denial, never request data. */
export function vaultErrors(body: unknown): string {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return "";
  return body.errors
    .filter((e): e is string => typeof e === "string")
    .join("; ")
    .slice(0, 300);
}

/** A failed Vault call as afsync's named error: transient on 429/5xx, a user error otherwise (403, 400). */
export function vaultCallError(what: string, response: VaultResponse): RemoteCallError {
  const detail = vaultErrors(response.body);
  return new RemoteCallError(`${what} failed: HTTP ${response.status}${detail ? ` (${detail})` : ""}`, { status: response.status });
}

function networkReason(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
  return code || (err instanceof Error ? err.message : "network error");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
