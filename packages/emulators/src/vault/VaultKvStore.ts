import { randomUUID } from "node:crypto";
import { kvEventEnvelope, type VaultEventEnvelope } from "./kvEventEnvelope.ts";

export type { VaultEventEnvelope } from "./kvEventEnvelope.ts";

export class VaultApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface V2Version {
  readonly data: Record<string, unknown> | null;
  readonly created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

interface V2Secret {
  readonly versions: Map<number, V2Version>;
  current_version: number;
  oldest_version: number;
  readonly created_time: string;
  updated_time: string;
  custom_metadata: Record<string, string> | null;
}

export interface VaultMount {
  readonly name: string;
  readonly version: 1 | 2;
  readonly accessor: string;
  readonly v1: Map<string, Record<string, unknown>>;
  readonly v2: Map<string, V2Secret>;
}

/**
 * The KV secrets engine's state, per namespace and mount, with Vault's semantics for versions,
 * soft delete (`deletion_time`), destroy and metadata delete. Every change emits the event Vault
 * 1.15+ emits for it (metadata values are strings; version lists are JSON-array strings).
 */
export class VaultKvStore {
  readonly #mounts = new Map<string, VaultMount>();
  readonly #now: () => number;
  readonly #emit: (event: VaultEventEnvelope) => void;
  #silent = false;

  constructor(now: () => number, emit: (event: VaultEventEnvelope) => void) {
    this.#now = now;
    this.#emit = emit;
  }

  mount(namespace: string, name: string, version: 1 | 2): void {
    const clean = name.replace(/^\/+|\/+$/g, "");
    this.#mounts.set(`${namespace}|${clean}`, {
      name: clean,
      version,
      accessor: `kv_${randomUUID().slice(0, 8)}`,
      v1: new Map(),
      v2: new Map(),
    });
  }

  /** The mount an API path starts with (longest match) and the rest of the path. */
  resolve(namespace: string, path: string): { mount: VaultMount; rest: string } | null {
    let best: VaultMount | null = null;
    for (const [id, m] of this.#mounts) {
      if (!id.startsWith(`${namespace}|`)) continue;
      if ((path === m.name || path.startsWith(`${m.name}/`)) && (best === null || m.name.length > best.name.length)) best = m;
    }
    return best === null ? null : { mount: best, rest: path.slice(best.name.length + 1) };
  }

  // ---- KV v2 ----

  v2Read(mount: VaultMount, path: string, version?: number): { status: 200 | 404; body: unknown } {
    const secret = mount.v2.get(path);
    if (!secret) return { status: 404, body: { errors: [] } };
    const n = version ?? secret.current_version;
    const v = secret.versions.get(n);
    if (!v) return { status: 404, body: { errors: [] } };
    const metadata = {
      created_time: v.created_time,
      custom_metadata: secret.custom_metadata,
      deletion_time: v.deletion_time,
      destroyed: v.destroyed,
      version: n,
    };
    // A deleted or destroyed version: 404 with the metadata and null data, as Vault answers.
    if (v.destroyed || this.#isDeleted(v)) return { status: 404, body: { data: { data: null, metadata } } };
    return { status: 200, body: { data: { data: v.data, metadata } } };
  }

  v2Write(
    namespace: string,
    mount: VaultMount,
    path: string,
    data: Record<string, unknown>,
    operation: "data-write" | "data-patch",
    cas?: number,
  ): unknown {
    const now = this.#iso();
    let secret = mount.v2.get(path);
    if (cas !== undefined && (secret?.current_version ?? 0) !== cas) {
      throw new VaultApiError(400, "check-and-set parameter did not match the current version");
    }
    if (!secret) {
      secret = { versions: new Map(), current_version: 0, oldest_version: 0, created_time: now, updated_time: now, custom_metadata: null };
      mount.v2.set(path, secret);
    }
    let next = data;
    if (operation === "data-patch") {
      const current = secret.versions.get(secret.current_version);
      if (!current || current.data === null || current.destroyed || this.#isDeleted(current))
        throw new VaultApiError(404, "no data to patch");
      next = mergePatch(current.data, data);
    }
    const version = secret.current_version + 1;
    secret.versions.set(version, { data: structuredClone(next), created_time: now, deletion_time: "", destroyed: false });
    secret.current_version = version;
    secret.updated_time = now;
    this.#emitKv(namespace, mount, `kv-v2/${operation}`, operation, `${mount.name}/data/${path}`, {
      current_version: String(version),
      oldest_version: String(secret.oldest_version),
      data_path: `${mount.name}/data/${path}`,
    });
    return { data: { created_time: now, custom_metadata: secret.custom_metadata, deletion_time: "", destroyed: false, version } };
  }

  /** `DELETE data/:path` deletes the current version; `POST delete/:path` the listed ones. */
  v2Delete(namespace: string, mount: VaultMount, path: string, versions?: number[]): void {
    const secret = mount.v2.get(path);
    if (!secret) return;
    const targets = versions ?? [secret.current_version];
    const now = this.#iso();
    for (const n of targets) {
      const v = secret.versions.get(n);
      if (v && !v.destroyed) v.deletion_time = now;
    }
    const versionsSeen = { current_version: String(secret.current_version), oldest_version: String(secret.oldest_version) };
    // vault-plugin-secrets-kv: `DELETE data/:path` emits data-delete; `POST delete/:path` emits delete with the versions.
    if (versions === undefined)
      this.#emitKv(namespace, mount, "kv-v2/data-delete", "data-delete", `${mount.name}/data/${path}`, versionsSeen);
    else
      this.#emitKv(namespace, mount, "kv-v2/delete", "delete", `${mount.name}/delete/${path}`, {
        ...versionsSeen,
        deleted_versions: JSON.stringify(targets),
      });
  }

  v2Undelete(namespace: string, mount: VaultMount, path: string, versions: number[]): void {
    const secret = mount.v2.get(path);
    if (!secret) return;
    for (const n of versions) {
      const v = secret.versions.get(n);
      if (v && !v.destroyed) v.deletion_time = "";
    }
    this.#emitKv(namespace, mount, "kv-v2/undelete", "undelete", `${mount.name}/undelete/${path}`, {
      current_version: String(secret.current_version),
      oldest_version: String(secret.oldest_version),
      data_path: `${mount.name}/data/${path}`,
      undeleted_versions: JSON.stringify(versions),
    });
  }

  v2Destroy(namespace: string, mount: VaultMount, path: string, versions: number[]): void {
    const secret = mount.v2.get(path);
    if (!secret) return;
    for (const n of versions) {
      const v = secret.versions.get(n);
      if (v) secret.versions.set(n, { ...v, data: null, destroyed: true });
    }
    this.#emitKv(namespace, mount, "kv-v2/destroy", "destroy", `${mount.name}/destroy/${path}`, {
      current_version: String(secret.current_version),
      oldest_version: String(secret.oldest_version),
      destroyed_versions: JSON.stringify(versions),
    });
  }

  v2MetadataRead(mount: VaultMount, path: string): { status: 200 | 404; body: unknown } {
    const secret = mount.v2.get(path);
    if (!secret) return { status: 404, body: { errors: [] } };
    const versions: Record<string, unknown> = {};
    for (const [n, v] of secret.versions)
      versions[String(n)] = { created_time: v.created_time, deletion_time: v.deletion_time, destroyed: v.destroyed };
    return {
      status: 200,
      body: {
        data: {
          cas_required: false,
          created_time: secret.created_time,
          current_version: secret.current_version,
          delete_version_after: "0s",
          max_versions: 0,
          oldest_version: secret.oldest_version,
          updated_time: secret.updated_time,
          custom_metadata: secret.custom_metadata,
          versions,
        },
      },
    };
  }

  v2MetadataDelete(namespace: string, mount: VaultMount, path: string): void {
    if (!mount.v2.delete(path)) return;
    this.#emitKv(namespace, mount, "kv-v2/metadata-delete", "metadata-delete", `${mount.name}/metadata/${path}`, {});
  }

  // ---- KV v1 ----

  v1Read(mount: VaultMount, path: string): { status: 200 | 404; body: unknown } {
    const data = mount.v1.get(path);
    return data ? { status: 200, body: { data } } : { status: 404, body: { errors: [] } };
  }

  v1Write(namespace: string, mount: VaultMount, path: string, data: Record<string, unknown>): void {
    mount.v1.set(path, structuredClone(data));
    this.#emitKv(namespace, mount, "kv-v1/write", "write", `${mount.name}/${path}`, { data_path: `${mount.name}/${path}` });
  }

  v1Delete(namespace: string, mount: VaultMount, path: string): void {
    if (!mount.v1.delete(path)) return;
    this.#emitKv(namespace, mount, "kv-v1/delete", "delete", `${mount.name}/${path}`, {});
  }

  /** LIST: the direct children of a folder, folders with a trailing "/", sorted; null when empty (404). */
  list(mount: VaultMount, folder: string): string[] | null {
    const prefix = folder === "" || folder.endsWith("/") ? folder : `${folder}/`;
    const names = new Set<string>();
    const paths = mount.version === 2 ? mount.v2.keys() : mount.v1.keys();
    for (const p of paths) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf("/");
      names.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    return names.size === 0 ? null : [...names].sort();
  }

  #isDeleted(v: V2Version): boolean {
    return v.deletion_time !== "" && Date.parse(v.deletion_time) <= this.#now();
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }

  /** Runs a change that emits no event (seeding a test's starting state). */
  silently(change: () => void): void {
    this.#silent = true;
    try {
      change();
    } finally {
      this.#silent = false;
    }
  }

  #emitKv(namespace: string, mount: VaultMount, eventType: string, operation: string, path: string, extra: Record<string, string>): void {
    if (this.#silent) return;
    this.#emit(
      kvEventEnvelope({
        namespace,
        eventType,
        operation,
        path,
        extra,
        mountPath: `${mount.name}/`,
        mountAccessor: mount.accessor,
        kvVersion: mount.version,
        time: this.#iso(),
      }),
    );
  }
}

/** RFC 7396 JSON merge patch, as KV v2's PATCH applies it (null removes a field). */
function mergePatch(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === "object" && !Array.isArray(v) && typeof out[k] === "object" && out[k] !== null && !Array.isArray(out[k]))
      out[k] = mergePatch(out[k] as Record<string, unknown>, v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}
