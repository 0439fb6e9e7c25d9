import type { AirflowKey } from "@afsync/core";
import { keysForSecretId, secretIdForKey } from "@afsync/core/formats/backendNaming";
import type { SecretIdMapping } from "@afsync/core/ports/SecretSource";
import { isProjectNumber, parseSecretResourceName } from "./secretResourceName.ts";

/**
 * Secret Manager's own rule for a secret id: letters, digits, `-` and `_`, 1 to 255 characters.
 * Airflow's backend builds `prefix + sep + key` without checking it, so a key with any other
 * character (a `.`, a `/`) is looked up, answered INVALID_ARGUMENT and read as "not found": the
 * backend can never serve such a key, and afsync never maps one.
 */
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

export interface GcpProject {
  readonly id: string;
  /** Notifications name the project by number; when known, events from other projects are told apart. */
  readonly number?: string;
}

/**
 * `CloudSecretManagerBackend`'s naming both ways: key → secret id, and a secret id or resource
 * name (from a listing or a notification) → the Airflow keys it serves. Config secrets are never
 * synced; regional secrets are never read (the backend reads global secrets only).
 */
export class GcpSecretNaming {
  readonly #kwargs: Record<string, unknown>;
  readonly #project: GcpProject;

  constructor(kwargs: Record<string, unknown>, project: GcpProject) {
    this.#kwargs = kwargs;
    this.#project = project;
  }

  get project(): GcpProject {
    return this.#project;
  }

  secretIdFor(key: AirflowKey): string | null {
    const result = secretIdForKey("gcp-secret-manager", key.kind, key.id, this.#kwargs);
    if (!result.ok || typeof result.secretId !== "string") return null;
    return SECRET_ID.test(result.secretId) ? result.secretId : null;
  }

  /** Keys for a short secret id (`airflow-connections-db`) or a resource name (`projects/…/secrets/…`). */
  keysFor(secretId: string): SecretIdMapping {
    let secret = secretId;
    if (secretId.startsWith("projects/")) {
      const parsed = parseSecretResourceName(secretId);
      if (parsed === null) return { keys: [], ignoredReason: `${secretId} is not a Secret Manager secret resource name` };
      if (parsed.location !== undefined)
        return {
          keys: [],
          ignoredReason: `${secretId} is a regional secret (${parsed.location}); Airflow's CloudSecretManagerBackend reads global secrets only`,
        };
      const other = this.#otherProject(parsed.project);
      if (other !== null) return { keys: [], ignoredReason: other };
      secret = parsed.secret;
    }
    if (!SECRET_ID.test(secret)) return { keys: [], ignoredReason: `${secret} is not a valid Secret Manager secret id` };
    const result = keysForSecretId("gcp-secret-manager", secret, this.#kwargs);
    if (!result.ok) return { keys: [], ignoredReason: result.reason };
    if (result.kind === "config")
      return { keys: [], ignoredReason: `${secret} is an Airflow config secret; afsync syncs connections and variables only` };
    const kind = result.kind;
    const keys = result.keys.map((id): AirflowKey => ({ kind, id })).filter((k) => this.secretIdFor(k) === secret);
    if (keys.length === 0) return { keys: [], ignoredReason: `${secret} names no key the backend looks up` };
    return { keys };
  }

  /** `prefix + sep` of every kind the backend looks up (connections, variables); empty means every secret. */
  listingPrefixes(): string[] {
    const sep = typeof this.#kwargs.sep === "string" ? this.#kwargs.sep : "-";
    const out = new Set<string>();
    for (const name of ["connections_prefix", "variables_prefix"]) {
      const prefix = this.#kwargs[name];
      if (typeof prefix === "string") out.add(`${prefix}${sep}`);
    }
    return [...out];
  }

  #otherProject(project: string): string | null {
    const { id, number } = this.#project;
    if (project === id || (number !== undefined && project === number)) return null;
    // Notifications carry the number; without project_number a number cannot be compared: match on the name.
    if (isProjectNumber(project) && number === undefined) return null;
    return `secret in project ${project}; this source reads project ${id}${number !== undefined ? ` (number ${number})` : ""}`;
  }
}
