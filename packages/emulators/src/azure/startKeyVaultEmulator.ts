import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";
import { type Fault, FaultInjector } from "../faults/FaultInjector.ts";
import { type AttributePatch, KeyVaultStore, type SecretVersionRecord, type SetSecretInput } from "./KeyVaultStore.ts";
import { type KeyVaultChangeEvent, type KeyVaultEventInput, keyVaultEvent } from "./keyVaultEvents.ts";

export type { KeyVaultChangeEvent } from "./keyVaultEvents.ts";

/** Key Vault's REST operations, named as in its API reference; call counts and faults use these. */
export type KeyVaultOperation =
  | "GetSecrets"
  | "GetSecretVersions"
  | "GetSecret"
  | "SetSecret"
  | "UpdateSecret"
  | "DeleteSecret"
  | "GetDeletedSecret";

export interface KeyVaultEmulatorOptions {
  readonly port?: number;
  readonly vaultName?: string;
  /** The largest `maxresults` accepted, and the default page size (Key Vault: 25). */
  readonly maxPageSize?: number;
}

/** A token credential for the official SDK clients: what `DefaultAzureCredential` would hand them. */
export interface EmulatorCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }>;
}

export interface KeyVaultEmulator {
  /** The vault URL to give `SecretClient` (https, loopback). */
  readonly url: string;
  /** PEM of the self-signed certificate generated at start: trust it with `tlsOptions.ca` or NODE_EXTRA_CA_CERTS. */
  readonly ca: string;
  /** The bearer token the vault accepts; anything else gets the 401 challenge. */
  readonly token: string;
  /** A credential that returns `token`, as Entra ID would after the challenge. */
  readonly credential: EmulatorCredential;
  readonly vaultName: string;
  /** The vault's ARM id: `topic` / `source` of its events. */
  readonly resourceId: string;
  /** Requests per operation that passed authentication (injected faults included). */
  calls(operation: KeyVaultOperation): number;
  /** Unauthenticated requests answered with the 401 challenge. */
  readonly challenges: number;
  resetCalls(): void;
  inject(fault: Fault & { readonly operationId?: KeyVaultOperation }): void;
  readonly faults: FaultInjector;
  /** Every event the writes emitted so far, both schemas each. */
  readonly events: readonly KeyVaultChangeEvent[];
  onEvent(listener: (event: KeyVaultChangeEvent) => void): () => void;
  clearEvents(): void;
  /** Writes state directly, as a new version: no call counted, no event. */
  seedSecret(name: string, input: SetSecretInput): { version: string };
  /** Changes attributes directly (Key Vault emits nothing for this either). */
  updateSecret(name: string, patch: AttributePatch): void;
  /** Soft-deletes directly (Key Vault emits nothing for this either). */
  deleteSecret(name: string): void;
  /** Emits SecretNearExpiry / SecretExpired for the current version, as Key Vault's expiry monitor would. */
  emitExpiry(name: string, type: "SecretNearExpiry" | "SecretExpired"): KeyVaultChangeEvent;
  close(): Promise<void>;
}

const API_VERSION_PATTERN = /^(7\.[0-6](-preview)?|20\d\d-\d\d-\d\d(-preview)?)$/;

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

/**
 * Azure Key Vault's secrets REST API over HTTPS, as `@azure/keyvault-secrets` speaks it: the 401
 * challenge (`WWW-Authenticate: Bearer authorization=…, resource=…`) then bearer tokens, the
 * required `api-version` query, list pages of at most 25 with `nextLink`, versions, disabled
 * secrets (403 SecretDisabled), soft delete. Every write emits a SecretNewVersionCreated event
 * in both Event Grid schemas. Faults come from FaultInjector, by operation.
 */
export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<KeyVaultEmulator> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
        ],
      },
    ],
  });
  const vaultName = options.vaultName ?? "emulator-vault";
  const resourceId = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/afsync-emulator/providers/Microsoft.KeyVault/vaults/${vaultName}`;
  const maxPage = options.maxPageSize ?? 25;
  const token = randomBytes(24).toString("base64url");
  const store = new KeyVaultStore(() => Date.now());
  const faults = new FaultInjector();
  const counts = new Map<KeyVaultOperation, number>();
  const events: KeyVaultChangeEvent[] = [];
  const listeners = new Set<(event: KeyVaultChangeEvent) => void>();
  let challenges = 0;
  let base = "";

  const emit = (type: KeyVaultEventInput["type"], name: string, record: SecretVersionRecord): KeyVaultChangeEvent => {
    const event = keyVaultEvent({
      type,
      vaultUrl: base,
      vaultName,
      resourceId,
      name,
      version: record.version,
      ...(record.nbf === undefined ? {} : { nbf: record.nbf }),
      ...(record.exp === undefined ? {} : { exp: record.exp }),
      time: new Date(),
    });
    events.push(event);
    for (const l of listeners) l(event);
    return event;
  };

  const attributes = (r: SecretVersionRecord) => ({
    enabled: r.enabled,
    created: r.created,
    updated: r.updated,
    ...(r.nbf === undefined ? {} : { nbf: r.nbf }),
    ...(r.exp === undefined ? {} : { exp: r.exp }),
    recoveryLevel: "Recoverable+Purgeable",
    recoverableDays: 90,
  });
  const bundle = (name: string, r: SecretVersionRecord, withValue: boolean) => ({
    ...(withValue ? { value: r.value } : {}),
    id: `${base}/secrets/${name}/${r.version}`,
    ...(r.contentType === undefined ? {} : { contentType: r.contentType }),
    attributes: attributes(r),
    tags: r.tags,
  });
  const item = (id: string, r: SecretVersionRecord) => ({
    id,
    attributes: attributes(r),
    tags: r.tags,
    ...(r.contentType === undefined ? {} : { contentType: r.contentType }),
  });

  function page<T>(all: readonly T[], url: URL, path: string): { value: T[]; nextLink: string | null } {
    const max = url.searchParams.get("maxresults");
    const size = max === null ? maxPage : Number(max);
    if (!Number.isInteger(size) || size < 1 || size > maxPage)
      throw new VaultError(400, "BadParameter", `maxresults must be an integer from 1 to ${maxPage}`);
    const skip = url.searchParams.get("$skiptoken");
    const offset = skip === null ? 0 : Number(Buffer.from(skip, "base64url").toString("utf8"));
    if (!Number.isInteger(offset) || offset < 0) throw new VaultError(400, "BadParameter", "$skiptoken is not one this vault issued");
    const value = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(String(offset + size)).toString("base64url") : null;
    const apiVersion = url.searchParams.get("api-version") ?? "";
    return {
      value,
      nextLink: next === null ? null : `${base}${path}?api-version=${apiVersion}&$skiptoken=${next}&maxresults=${size}`,
    };
  }

  function operationOf(method: string, parts: readonly string[]): KeyVaultOperation {
    const [collection, name, sub] = parts;
    if (collection === "deletedsecrets" && name && method === "GET") return "GetDeletedSecret";
    if (collection !== "secrets") throw new VaultError(404, "NotFound", "no such collection");
    if (!name) {
      if (method === "GET") return "GetSecrets";
    } else if (sub === "versions" && method === "GET") return "GetSecretVersions";
    else if (method === "GET") return "GetSecret";
    else if (method === "PUT" && !sub) return "SetSecret";
    else if (method === "PATCH") return "UpdateSecret";
    else if (method === "DELETE" && !sub) return "DeleteSecret";
    throw new VaultError(405, "MethodNotAllowed", `${method} is not supported here`);
  }

  function serve(op: KeyVaultOperation, parts: readonly string[], url: URL, body: unknown): unknown {
    const name = parts[1] ?? "";
    const version = parts[2] ? parts[2] : undefined;
    switch (op) {
      case "GetSecrets":
        return page(
          store.list().map(({ name: n, record }) => item(`${base}/secrets/${n}`, record)),
          url,
          "/secrets",
        );
      case "GetSecretVersions":
        return page(
          store.versions(name).map((r) => item(`${base}/secrets/${name}/${r.version}`, r)),
          url,
          `/secrets/${name}/versions`,
        );
      case "GetSecret": {
        const found = store.get(name, version);
        if (found === undefined) throw notFound(name, version);
        if (!found.record.enabled)
          throw new VaultError(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
        return bundle(found.name, found.record, true);
      }
      case "SetSecret": {
        const input = setInput(body);
        if (!/^[0-9a-zA-Z-]{1,127}$/.test(name))
          throw new VaultError(400, "BadParameter", "The request URI contains an invalid name: names allow 0-9, a-z, A-Z and - only");
        const { name: stored, record } = store.set(name, input);
        emit("SecretNewVersionCreated", stored, record);
        return bundle(stored, record, true);
      }
      case "UpdateSecret": {
        const found = store.update(name, version, patchInput(body));
        if (found === undefined) throw notFound(name, version);
        return bundle(found.name, found.record, false);
      }
      case "DeleteSecret": {
        const gone = store.delete(name);
        if (gone === undefined) throw notFound(name, undefined);
        const now = Math.floor(Date.now() / 1000);
        return {
          ...bundle(gone.name, gone.record, false),
          recoveryId: `${base}/deletedsecrets/${gone.name}`,
          deletedDate: now,
          scheduledPurgeDate: now + 90 * 86400,
        };
      }
      case "GetDeletedSecret":
        // The SDK's delete poller asks until the deletion is visible: here it is at once.
        if (store.get(name) !== undefined) throw new VaultError(404, "SecretNotFound", `Deleted Secret not found: ${name}`);
        return { recoveryId: `${base}/deletedsecrets/${name}`, id: `${base}/secrets/${name}` };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", base);
    // The SDK's first request carries no token and no body; the challenge names the tenant and resource.
    if (req.headers.authorization !== `Bearer ${token}`) {
      challenges += 1;
      res.writeHead(401, {
        "content-type": "application/json; charset=utf-8",
        "www-authenticate":
          'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      });
      res.end(JSON.stringify({ error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } }));
      return;
    }
    try {
      // The SDK percent-encodes the key (`api%2Dversion`); URLSearchParams decodes it.
      const apiVersion = url.searchParams.get("api-version");
      if (apiVersion === null || !API_VERSION_PATTERN.test(apiVersion))
        throw new VaultError(400, "BadParameter", "The request URI contains an invalid or missing api-version query parameter");
      const parts = url.pathname.split("/").filter((p) => p !== "");
      const op = operationOf(req.method ?? "GET", parts);
      counts.set(op, (counts.get(op) ?? 0) + 1);
      const decision = faults.next(op);
      if (decision.latencyMs > 0) await new Promise((r) => setTimeout(r, decision.latencyMs));
      if (decision.respond !== undefined) {
        const f = decision.respond;
        const body =
          f.status === 429
            ? { error: { code: "Throttled", message: "Request was not processed because too many requests were received." } }
            : f.body;
        res.writeHead(f.status, { ...f.headers, "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(body));
        return;
      }
      const body = raw === "" ? undefined : parseJson(raw);
      const out = serve(op, parts, url, body);
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(out));
    } catch (err) {
      const e = err instanceof VaultError ? err : new VaultError(500, "InternalServerError", "emulator error");
      res.writeHead(e.status, { "content-type": "application/json; charset=utf-8" });
      res.end(
        JSON.stringify({ error: { code: e.code, message: e.message, ...(e.innerCode ? { innererror: { code: e.innerCode } } : {}) } }),
      );
    }
  }

  const server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    ca: pems.cert,
    token,
    credential: { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }) },
    vaultName,
    resourceId,
    calls: (op) => counts.get(op) ?? 0,
    get challenges() {
      return challenges;
    },
    resetCalls() {
      counts.clear();
      challenges = 0;
    },
    inject: (fault) => faults.inject(fault),
    faults,
    events,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    clearEvents() {
      events.length = 0;
    },
    seedSecret: (name, input) => ({ version: store.set(name, input).record.version }),
    updateSecret(name, patch) {
      if (store.update(name, undefined, patch) === undefined) throw new Error(`no secret ${name}`);
    },
    deleteSecret(name) {
      if (store.delete(name) === undefined) throw new Error(`no secret ${name}`);
    },
    emitExpiry(name, type) {
      const found = store.get(name);
      if (found === undefined) throw new Error(`no secret ${name}`);
      return emit(type, found.name, found.record);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function notFound(name: string, version: string | undefined): VaultError {
  return new VaultError(
    404,
    "SecretNotFound",
    `A secret with (name/id) ${name}${version ? `/${version}` : ""} was not found in this key vault.`,
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
    });
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new VaultError(400, "BadParameter", "The request body is not valid JSON");
  }
}

function setInput(body: unknown): SetSecretInput {
  if (typeof body !== "object" || body === null) throw new VaultError(400, "BadParameter", "The request body must be a JSON object");
  const b = body as { value?: unknown; contentType?: unknown; tags?: unknown; attributes?: unknown };
  if (typeof b.value !== "string") throw new VaultError(400, "BadParameter", "Property value is required and must be a string");
  const attrs = patchInput({ attributes: b.attributes });
  return {
    value: b.value,
    ...(typeof b.contentType === "string" ? { contentType: b.contentType } : {}),
    ...(typeof b.tags === "object" && b.tags !== null ? { tags: b.tags as Record<string, string> } : {}),
    ...attrs,
  };
}

function patchInput(body: unknown): AttributePatch {
  const attrs = (body as { attributes?: unknown } | undefined)?.attributes;
  if (attrs === undefined || attrs === null) return {};
  if (typeof attrs !== "object") throw new VaultError(400, "BadParameter", "attributes must be an object");
  const a = attrs as { enabled?: unknown; nbf?: unknown; exp?: unknown };
  return {
    ...(typeof a.enabled === "boolean" ? { enabled: a.enabled } : {}),
    ...(typeof a.nbf === "number" ? { nbf: a.nbf } : {}),
    ...(typeof a.exp === "number" ? { exp: a.exp } : {}),
  };
}
