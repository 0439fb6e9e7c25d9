import { VaultApiError, type VaultKvStore, type VaultMount } from "./VaultKvStore.ts";

export interface KvRequest {
  readonly namespace: string;
  readonly mount: VaultMount;
  /** The path after the mount: `data/connections/db` (v2) or `connections/db` (v1). */
  readonly rest: string;
  /** The HTTP verb, with `GET ?list=true` already turned into `LIST`. */
  readonly method: string;
  readonly url: URL;
  readonly body: Record<string, unknown>;
}

export interface RouteAnswer {
  readonly op: string;
  readonly status: number;
  readonly body: unknown;
}

/**
 * One request to a KV mount, as Vault's KV engines route it: v1 reads, writes, deletes and lists
 * the path itself; v2 splits it into `data/`, `metadata/`, `delete/`, `undelete/` and `destroy/`.
 */
export function routeKvRequest(store: VaultKvStore, req: KvRequest): RouteAnswer {
  const { namespace, mount, rest, method, url, body } = req;
  if (mount.version === 1) {
    const p = rest.replace(/\/$/, "");
    if (method === "LIST") return listAnswer("kv-v1/list", store.list(mount, rest));
    if (method === "GET") return { op: "kv-v1/read", ...store.v1Read(mount, p) };
    if (method === "POST" || method === "PUT") {
      store.v1Write(namespace, mount, p, body);
      return { op: "kv-v1/write", status: 204, body: null };
    }
    if (method === "DELETE") {
      store.v1Delete(namespace, mount, p);
      return { op: "kv-v1/delete", status: 204, body: null };
    }
    throw new VaultApiError(405, "unsupported operation");
  }
  const slash = rest.indexOf("/");
  const section = slash < 0 ? rest : rest.slice(0, slash);
  const p = slash < 0 ? "" : rest.slice(slash + 1);
  const versions = Array.isArray(body.versions) ? body.versions.filter((v): v is number => typeof v === "number") : [];
  switch (`${section} ${method}`) {
    case "data GET": {
      const v = url.searchParams.get("version");
      return { op: "kv-v2/read", ...store.v2Read(mount, p, v && v !== "0" ? Number(v) : undefined) };
    }
    case "data POST":
    case "data PUT": {
      const data = objectOr400(body.data, "data");
      const cas = (body.options as { cas?: unknown } | undefined)?.cas;
      return {
        op: "kv-v2/write",
        status: 200,
        body: store.v2Write(namespace, mount, p, data, "data-write", typeof cas === "number" ? cas : undefined),
      };
    }
    case "data PATCH":
      return { op: "kv-v2/patch", status: 200, body: store.v2Write(namespace, mount, p, objectOr400(body.data, "data"), "data-patch") };
    case "data DELETE":
      store.v2Delete(namespace, mount, p);
      return { op: "kv-v2/delete", status: 204, body: null };
    case "delete POST":
      store.v2Delete(namespace, mount, p, versions);
      return { op: "kv-v2/delete", status: 204, body: null };
    case "undelete POST":
      store.v2Undelete(namespace, mount, p, versions);
      return { op: "kv-v2/undelete", status: 204, body: null };
    case "destroy POST":
    case "destroy PUT":
      store.v2Destroy(namespace, mount, p, versions);
      return { op: "kv-v2/destroy", status: 204, body: null };
    case "metadata LIST":
      return listAnswer("kv-v2/list", store.list(mount, p));
    case "metadata GET":
      return { op: "kv-v2/metadata-read", ...store.v2MetadataRead(mount, p) };
    case "metadata DELETE":
      store.v2MetadataDelete(namespace, mount, p);
      return { op: "kv-v2/metadata-delete", status: 204, body: null };
    default:
      throw new VaultApiError(405, "unsupported operation");
  }
}

function listAnswer(op: string, keys: string[] | null): RouteAnswer {
  return keys === null ? { op, status: 404, body: { errors: [] } } : { op, status: 200, body: { data: { keys } } };
}

function objectOr400(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new VaultApiError(400, `no '${field}' provided`);
  return value as Record<string, unknown>;
}

/** The operation name a request is counted (and faulted) under, from its path alone. */
export function opFor(apiPath: string, method: string): string {
  const login = /^auth\/(.+)\/login$/.exec(apiPath);
  if (login) return `auth/${login[1]}/login`;
  if (apiPath === "auth/token/lookup-self") return "token/lookup-self";
  if (apiPath === "auth/token/renew-self") return "token/renew-self";
  const section = apiPath.split("/")[1] ?? "";
  if (section === "metadata")
    return method === "LIST" ? "kv-v2/list" : method === "DELETE" ? "kv-v2/metadata-delete" : "kv-v2/metadata-read";
  if (section === "data")
    return method === "GET" ? "kv-v2/read" : method === "PATCH" ? "kv-v2/patch" : method === "DELETE" ? "kv-v2/delete" : "kv-v2/write";
  if (["delete", "undelete", "destroy"].includes(section)) return `kv-v2/${section}`;
  return method === "LIST" ? "kv-v1/list" : method === "GET" ? "kv-v1/read" : method === "DELETE" ? "kv-v1/delete" : "kv-v1/write";
}
