import type { AirflowKey } from "@afsync/core";
import { keysForSecretId, secretIdForKey, secretIdText, type VaultSecretId } from "@afsync/core/formats/backendNaming";
import type { SecretIdMapping } from "@afsync/core/ports/SecretSource";

/**
 * The VaultBackend's naming both ways (core's backendNaming), with the Enterprise namespace in
 * front: a secret id is `[<namespace>/]<mount>/<path>`, the KV v2 path without `data/`, so the
 * same secret has one id in listings, reads and events.
 */
export class VaultNaming {
  readonly kwargs: Record<string, unknown>;
  readonly #namespacePrefix: string;

  constructor(kwargs: Record<string, unknown>, namespace: string | undefined) {
    this.kwargs = kwargs;
    const ns = (namespace ?? "").replace(/^\/+|\/+$/g, "");
    this.#namespacePrefix = ns === "" ? "" : `${ns}/`;
  }

  /** Every location the backend tries for a key, in order (multi-team: the team's path, then the global one). */
  lookupOrder(key: AirflowKey): VaultSecretId[] {
    const r = secretIdForKey("vault", key.kind, key.id, this.kwargs);
    if (!r.ok) return [];
    const ids = r.lookupOrder ?? [r.secretId];
    return ids.filter((id): id is VaultSecretId => typeof id !== "string" && id.mount_point !== null && id.mount_point !== "");
  }

  idOf(location: VaultSecretId): string {
    return `${this.#namespacePrefix}${secretIdText(location)}`;
  }

  secretIdFor(key: AirflowKey): string | null {
    const [first] = this.lookupOrder(key);
    return first === undefined ? null : this.idOf(first);
  }

  keysFor(secretId: string): SecretIdMapping {
    let id = secretId;
    if (this.#namespacePrefix !== "") {
      if (!id.startsWith(this.#namespacePrefix))
        return { keys: [], ignoredReason: `${secretId} is outside namespace ${this.#namespacePrefix.slice(0, -1)}` };
      id = id.slice(this.#namespacePrefix.length);
    }
    const result = keysForSecretId("vault", id, this.kwargs);
    if (!result.ok) return { keys: [], ignoredReason: result.reason };
    if (result.kind === "config")
      return { keys: [], ignoredReason: `${secretId} is an Airflow config secret; afsync syncs connections and variables only` };
    const kind = result.kind;
    return { keys: result.keys.map((k): AirflowKey => ({ kind, id: k })) };
  }

  /** The base path a kind is listed under (`connections`), "" for the mount's root, or null when not looked up. */
  basePath(kind: AirflowKey["kind"]): string | null {
    const raw = this.kwargs[kind === "connection" ? "connections_path" : "variables_path"];
    if (typeof raw !== "string") return null;
    return raw.replace(/\/+$/, "");
  }

  get mountPoint(): string | null {
    const m = this.kwargs.mount_point;
    return typeof m === "string" && m !== "" ? m : null;
  }
}
