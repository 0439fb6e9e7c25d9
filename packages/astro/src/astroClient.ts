import { RemoteCallError } from "@afsync/core";
import type { FetchLike } from "@afsync/http/FetchLike";
import { type RetryOptions, retryingFetch } from "@afsync/http/retryingFetch";
import createClient, { type Client } from "openapi-fetch";
import type { paths as DeploymentV1Paths } from "./generated/astroApiV1Deployments.ts";
import type { paths as EnvironmentObjectPaths } from "./generated/astroEnvironmentObjects.ts";
import type { paths as PlatformPaths } from "./generated/astroPlatformV1beta1.ts";

/**
 * Typed Astro API clients: openapi-fetch over the types openapi-typescript generated from the
 * Astro API v1 Deployment spec, the Platform API v1beta1 spec and the reconstructed
 * environment-objects spec
 * (`npm run generate -w packages/astro`). Every call goes through `retryingFetch`.
 */

/**
 * Astro publishes no numeric rate limits; its "Astro API best practices" page asks clients to
 * back off exponentially on 429 (target-apis.md §4.1). A `Retry-After` of up to a minute is
 * waited out; a longer one ends the call with that answer rather than stalling the sync.
 *
 * Every Astro write is a POST, so retrying one is safe only because afsync's writes are
 * idempotent (UpdateDeployment sends the whole list) or detect a landed first attempt (a create
 * answered 409, a delete answered 404).
 */
export const ASTRO_RETRY = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  longRetryAfter: "return",
} as const satisfies RetryOptions;

export type PlatformClient = Client<PlatformPaths>;
export type DeploymentClientV1 = Client<DeploymentV1Paths>;
export type EnvironmentObjectClient = Client<EnvironmentObjectPaths>;

export interface AstroClientOptions {
  /** API base, e.g. `https://api.astronomer.io/v1` or an emulator's URL. */
  readonly apiUrl: string;
  /** An Astro API token (Deployment, Workspace or Organization). Never logged. */
  readonly token: string;
  readonly retry?: RetryOptions;
  /** The transport under the retries (tests may count or delay calls); defaults to global fetch. */
  readonly fetch?: FetchLike;
}

function transport(options: AstroClientOptions): { baseUrl: string; headers: Record<string, string>; fetch: FetchLike } {
  const base: FetchLike = options.fetch ?? ((request) => fetch(request));
  return {
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    headers: { authorization: `Bearer ${options.token}`, accept: "application/json" },
    fetch: retryingFetch(base, { ...ASTRO_RETRY, ...options.retry }),
  };
}

export function createPlatformClient(options: AstroClientOptions): PlatformClient {
  return createClient<PlatformPaths>(transport(options));
}

export function createDeploymentClientV1(options: AstroClientOptions): DeploymentClientV1 {
  return createClient<DeploymentV1Paths>(transport(options));
}

export function createEnvironmentObjectClient(options: AstroClientOptions): EnvironmentObjectClient {
  return createClient<EnvironmentObjectPaths>(transport(options));
}

/**
 * The error for a failed call: what was attempted, the status, and the server's own message
 * (Astro's `Error.message`), with every value afsync sent scrubbed out of it in case the server
 * echoed one back. 429/5xx that outlived the retries are `transient`; other 4xx are `user`.
 */
export function astroCallError(
  what: string,
  response: Response | undefined,
  body: unknown,
  sentValues: readonly string[] = [],
): RemoteCallError {
  const status = response?.status;
  const serverMessage = scrubValues(messageOf(body) ?? response?.statusText ?? "no response", sentValues);
  return new RemoteCallError(`${what} failed${status === undefined ? "" : ` (HTTP ${status})`}: ${serverMessage}`, {
    ...(status === undefined ? { errorClass: "transient" as const } : { status }),
  });
}

/** Wraps a thrown transport error (connection refused, reset) after the retries gave up. */
export function astroNetworkError(what: string, cause: unknown): RemoteCallError {
  const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : "network error";
  return new RemoteCallError(`${what} failed: ${reason}`, { cause, errorClass: "transient" });
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null) {
    const message = (body as { message?: unknown }).message;
    if (typeof message === "string" && message !== "") return message.length > 500 ? `${message.slice(0, 500)}…` : message;
  }
  return typeof body === "string" && body !== "" ? body.slice(0, 500) : undefined;
}

/**
 * Replaces each sent value (long enough to be meaningful) wherever it appears in `text`, raw or
 * in the encodings an echo takes (JSON-escaped, URI-quoted). Longest first, so a value that
 * contains another is replaced whole.
 */
export function scrubValues(text: string, values: readonly string[]): string {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < 4) continue;
    forms.add(value);
    forms.add(JSON.stringify(value).slice(1, -1));
    forms.add(encodeURIComponent(value));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join("***");
  return out;
}
