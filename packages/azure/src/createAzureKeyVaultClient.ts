import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { AzureKeyVaultSourceOptions } from "./azureKeyVaultSourceOptions.ts";
import { sharedDefaultAzureCredential } from "./sharedDefaultAzureCredential.ts";

/** What a composition root or a test may override; production passes nothing. */
export interface AzureClientOverrides {
  /** A credential to use instead of the default chain (tests: a local token, never an SDK mock). */
  readonly credential?: TokenCredential;
  /** Extra trusted CA (PEM) for a TLS endpoint with a self-signed certificate (the emulator). */
  readonly ca?: string;
  /** Retry budget; see DEFAULT_RETRY_BUDGET. */
  readonly retry?: Partial<RetryBudget>;
}

export interface RetryBudget {
  /** Retries per call after the first attempt (429 with Retry-After, 5xx, network errors). */
  readonly maxRetries: number;
  /** Total time one call may spend waiting on Retry-After; past it the call gives up and is reported. */
  readonly maxThrottleWaitMs: number;
}

// Key Vault allows 4,000 transactions per 10 s per vault; a Retry-After beyond 30 s means the
// vault is saturated by others, and a scheduled reconciliation will come back later anyway.
export const DEFAULT_RETRY_BUDGET: RetryBudget = { maxRetries: 5, maxThrottleWaitMs: 30_000 };

/** Counts throttled answers, so a run can say how often the vault pushed back. */
export interface ThrottleLog {
  /** 429 answers seen (each retried or given up on). */
  throttled: number;
  /** Calls that gave up because the Retry-After budget ran out. */
  gaveUp: number;
}

export interface AzureKeyVaultClient {
  readonly client: SecretClient;
  readonly throttle: ThrottleLog;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * A `SecretClient` for the vault, authenticated the way the Airflow backend authenticates:
 * `ClientSecretCredential` when a client id and secret are given (the secret from the env var
 * `client_secret_env` names), else `DefaultAzureCredential` (environment, workload identity,
 * managed identity, then `az login` and the other developer tools).
 */
export function createAzureKeyVaultClient(
  options: AzureKeyVaultSourceOptions,
  env: NodeJS.ProcessEnv,
  overrides: AzureClientOverrides = {},
): AzureKeyVaultClient {
  const budget = { ...DEFAULT_RETRY_BUDGET, ...overrides.retry };
  const throttle: ThrottleLog = { throttled: 0, gaveUp: 0 };
  const host = new URL(options.vault_url).hostname;
  const client = new SecretClient(options.vault_url, overrides.credential ?? credentialFor(options, env), {
    retryOptions: { maxRetries: budget.maxRetries },
    additionalPolicies: [{ policy: throttleBudgetPolicy(budget.maxThrottleWaitMs, throttle), position: "perRetry" }],
    // The challenge names resource https://vault.azure.net, which the SDK checks against the
    // vault's host; an emulator on loopback has no Azure domain to match.
    ...(LOOPBACK.has(host) ? { disableChallengeResourceVerification: true } : {}),
    ...(overrides.ca === undefined ? {} : { tlsOptions: { ca: overrides.ca } }),
  });
  return { client, throttle };
}

function credentialFor(options: AzureKeyVaultSourceOptions, env: NodeJS.ProcessEnv): TokenCredential {
  if (options.client_secret_env !== undefined && options.tenant_id !== undefined && options.client_id !== undefined) {
    const secret = env[options.client_secret_env];
    if (secret === undefined || secret === "")
      throw new Error(`client_secret_env: environment variable ${options.client_secret_env} is not set`);
    return new ClientSecretCredential(options.tenant_id, options.client_id, secret);
  }
  const tenantId = options.tenant_id ?? options.workload_identity_tenant_id;
  // Shared with any other client of the process that would build the same chain (the function app's storage).
  return sharedDefaultAzureCredential({
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(options.managed_identity_client_id === undefined ? {} : { managedIdentityClientId: options.managed_identity_client_id }),
  });
}

const RETRY_AFTER_HEADERS = ["retry-after", "retry-after-ms", "x-ms-retry-after-ms"];

/**
 * The SDK's throttling strategy waits whatever `Retry-After` says, without a cap. This policy,
 * placed per retry, sums the waits of one call: once the next wait would exceed the budget it
 * strips `Retry-After`, so the SDK stops retrying and the 429 surfaces as the call's error.
 */
function throttleBudgetPolicy(maxWaitMs: number, log: ThrottleLog): PipelinePolicy {
  const waited = new WeakMap<object, number>();
  return {
    name: "afsyncThrottleBudget",
    async sendRequest(request, next) {
      const response = await next(request);
      if (response.status !== 429) return response;
      log.throttled += 1;
      const wait =
        retryAfterMs(response.headers.get("retry-after-ms") ?? response.headers.get("x-ms-retry-after-ms"), 1) ??
        retryAfterMs(response.headers.get("retry-after"), 1000) ??
        0;
      const total = (waited.get(request) ?? 0) + wait;
      if (total > maxWaitMs) {
        log.gaveUp += 1;
        for (const name of RETRY_AFTER_HEADERS) response.headers.delete(name);
        return response;
      }
      waited.set(request, total);
      return response;
    },
  };
}

function retryAfterMs(value: string | undefined, unit: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return n * unit;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
