import { type BackendName, keysForSecretId, secretIdForKey } from "../formats/backendNaming.ts";
import type { AirflowKey } from "../model/AirflowKey.ts";
import type { SecretIdMapping } from "../ports/SecretSource.ts";

/**
 * A source's naming rules both ways, as its Airflow backend applies them: key → secret id, and a
 * secret id (from a listing or an event) → the Airflow keys it serves. Config secrets are never
 * synced, and a key its kind's lookup pattern rejects is one the backend never looks up. Every
 * provider's source delegates its `secretIdFor`/`keysFor` here, with its backend's name and kwargs.
 */
export class BackendSecretNaming {
  readonly #backend: BackendName;
  readonly #kwargs: Record<string, unknown>;
  // Made once: a listing tests every secret's keys against them (10,000 a listing).
  readonly #lookupPatterns: { readonly connection: RegExp | null; readonly variable: RegExp | null };

  constructor(backend: BackendName, kwargs: Record<string, unknown>) {
    this.#backend = backend;
    this.#kwargs = kwargs;
    this.#lookupPatterns = {
      connection: lookupPattern(kwargs.connections_lookup_pattern),
      variable: lookupPattern(kwargs.variables_lookup_pattern),
    };
  }

  secretIdFor(key: AirflowKey): string | null {
    if (!this.#matchesPattern(key)) return null;
    const result = secretIdForKey(this.#backend, key.kind, key.id, this.#kwargs);
    return result.ok && typeof result.secretId === "string" ? result.secretId : null;
  }

  keysFor(secretId: string): SecretIdMapping {
    const result = keysForSecretId(this.#backend, secretId, this.#kwargs);
    if (!result.ok) return { keys: [], ignoredReason: result.reason };
    if (result.kind === "config")
      return { keys: [], ignoredReason: `${secretId} is an Airflow config secret; afsync syncs connections and variables only` };
    const kind = result.kind;
    const keys = result.keys.map((id): AirflowKey => ({ kind, id })).filter((k) => this.#matchesPattern(k));
    if (keys.length === 0)
      return {
        keys: [],
        ignoredReason: `${secretId} does not match ${kind === "connection" ? "connections" : "variables"}_lookup_pattern`,
      };
    return { keys };
  }

  /** The id prefix (with separator) a kind lives under, or null when the kind is not looked up. */
  listingPrefix(kind: AirflowKey["kind"]): string | null {
    const raw = this.#kwargs[kind === "connection" ? "connections_prefix" : "variables_prefix"];
    if (raw === null || raw === undefined || typeof raw !== "string") return null;
    const sep = this.#backend === "aws-ssm" ? "/" : typeof this.#kwargs.sep === "string" ? this.#kwargs.sep : "/";
    let prefix = raw;
    while (prefix.endsWith(sep) && prefix.length > 0) prefix = prefix.slice(0, -sep.length);
    if (this.#backend === "aws-ssm") return `${prefix.startsWith("/") ? prefix : `/${prefix}`}/`;
    // An empty Secrets Manager prefix means bare keys: every secret is a candidate.
    return prefix === "" ? "" : `${prefix}${sep}`;
  }

  #matchesPattern(key: AirflowKey): boolean {
    return this.#lookupPatterns[key.kind]?.test(key.id) ?? true;
  }
}

/** Airflow's `re.match(pattern, key, re.IGNORECASE)`: anchored at the start only; null when no pattern is set. */
function lookupPattern(pattern: unknown): RegExp | null {
  return typeof pattern === "string" ? new RegExp(`^(?:${pattern})`, "i") : null;
}
