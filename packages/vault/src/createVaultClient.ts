import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "@afsync/core";
import { createVaultCredential } from "./auth/createVaultCredential.ts";
import { VaultHttpClient } from "./VaultHttpClient.ts";
import { VaultTokenSession } from "./VaultTokenSession.ts";
import type { VaultSourceOptions } from "./vaultSourceOptions.ts";

export interface VaultClientContext {
  readonly env: NodeJS.ProcessEnv;
  /** Where relative `*_path` options start (the config file's directory). */
  readonly configDir?: string;
  readonly now?: () => number;
  /** Test hook: a shorter first retry backoff. */
  readonly retryBaseMs?: number;
}

/**
 * The Vault client a source uses: the address, namespace and CA as the `vault` CLI takes them
 * (`url` or `VAULT_ADDR`, `namespace` or `VAULT_NAMESPACE`, `VAULT_CACERT`), and a token session
 * for the configured auth method.
 */
export function createVaultClient(o: VaultSourceOptions, ctx: VaultClientContext): VaultTokenSession {
  const url = o.url ?? ctx.env.VAULT_ADDR;
  if (!url) throw new ConfigError("url", "set url or VAULT_ADDR to the Vault server's address");
  const namespace = o.namespace ?? (ctx.env.VAULT_NAMESPACE || undefined);
  let ca: Buffer | undefined;
  if (ctx.env.VAULT_CACERT) {
    try {
      ca = readFileSync(ctx.env.VAULT_CACERT);
    } catch (err) {
      throw new ConfigError("VAULT_CACERT", `cannot read the CA bundle at ${ctx.env.VAULT_CACERT}`, { cause: err });
    }
  }
  const http = new VaultHttpClient({
    url,
    ...(namespace ? { namespace } : {}),
    ...(ca ? { ca } : {}),
    ...(ctx.retryBaseMs !== undefined ? { retryBaseMs: ctx.retryBaseMs } : {}),
  });
  const now = ctx.now ?? Date.now;
  const base = ctx.configDir ?? process.cwd();
  const credential = createVaultCredential(o, { env: ctx.env, now, resolvePath: (p) => (isAbsolute(p) ? p : resolve(base, p)) });
  return new VaultTokenSession(http, credential, now);
}
