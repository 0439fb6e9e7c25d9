import { AstroRequestError } from "./AstroDeploymentStore.ts";

/**
 * Astro Environment Manager objects, behaving as docs/reference/target-apis.md §4.3
 * records the real API (no public spec exists; see astro-environment-objects.openapi.yaml):
 *
 * - no get-by-key and no upsert: a second create of the same key in the same scope is a 409;
 * - an update that omits `links`/`excludeLinks` removes them all and an omitted
 *   `autoLinkDeployments` is cleared (astro-cli `cloud/env/link.go`, verified live there);
 *   fields left out *inside* a link entry that is sent keep their previous values;
 * - `isSecret` is fixed at creation; secret values come back empty, a connection's password
 *   never comes back, and `setFields` says which fields hold a value;
 * - sending the redacted `""` for a secret value counts as no change (`patchVarLinks`).
 *   The same is assumed for a connection's password: an update without one keeps the stored one.
 */

type Json = Record<string, unknown>;

export interface EmulatedLink {
  readonly scope: "DEPLOYMENT";
  readonly scopeEntityId: string;
  readonly overrides?: Json;
}

export interface EmulatedEnvironmentObject {
  readonly id: string;
  readonly organizationId: string;
  readonly objectKey: string;
  readonly objectType: "CONNECTION" | "AIRFLOW_VARIABLE" | "ENVIRONMENT_VARIABLE" | "METRICS_EXPORT";
  readonly scope: "WORKSPACE" | "DEPLOYMENT";
  readonly scopeEntityId: string;
  description?: string;
  /** Stored unredacted; `view` redacts. */
  connection?: Json;
  value?: { value?: string; isSecret: boolean };
  autoLinkDeployments: boolean;
  links: EmulatedLink[];
  excludeLinks: { scope: "DEPLOYMENT"; scopeEntityId: string }[];
  readonly createdAt: string;
  updatedAt: string;
  updates: number;
}

export interface ListFilter {
  readonly workspaceId?: string;
  readonly deploymentId?: string;
  readonly objectType?: string;
  readonly objectKey?: string;
}

export class AstroEnvironmentObjectStore {
  readonly #objects = new Map<string, EmulatedEnvironmentObject>();
  readonly #now: () => string;
  #nextId = 1;

  constructor(now: () => string) {
    this.#now = now;
  }

  all(): EmulatedEnvironmentObject[] {
    return [...this.#objects.values()];
  }

  get(organizationId: string, id: string): EmulatedEnvironmentObject | undefined {
    const found = this.#objects.get(id);
    return found?.organizationId === organizationId ? found : undefined;
  }

  /** Objects in creation order, like the real list's default sort. */
  list(organizationId: string, filter: ListFilter): EmulatedEnvironmentObject[] {
    return this.all().filter(
      (o) =>
        o.organizationId === organizationId &&
        (filter.workspaceId === undefined || (o.scope === "WORKSPACE" && o.scopeEntityId === filter.workspaceId)) &&
        (filter.deploymentId === undefined || (o.scope === "DEPLOYMENT" && o.scopeEntityId === filter.deploymentId)) &&
        (filter.objectType === undefined || o.objectType === filter.objectType) &&
        (filter.objectKey === undefined || o.objectKey === filter.objectKey),
    );
  }

  create(organizationId: string, body: Json): EmulatedEnvironmentObject {
    const objectType = body.objectType as EmulatedEnvironmentObject["objectType"];
    const scope = body.scope as EmulatedEnvironmentObject["scope"];
    const scopeEntityId = String(body.scopeEntityId);
    const objectKey = String(body.objectKey);
    const duplicate = this.all().some(
      (o) =>
        o.organizationId === organizationId &&
        o.objectKey === objectKey &&
        o.objectType === objectType &&
        o.scopeEntityId === scopeEntityId,
    );
    if (duplicate) throw new AstroRequestError(409, `environment object ${objectKey} already exists in this scope`);
    if (scope !== "WORKSPACE" && (body.links !== undefined || body.excludeLinks !== undefined || body.autoLinkDeployments !== undefined)) {
      throw new AstroRequestError(400, "links, excludeLinks and autoLinkDeployments apply only to WORKSPACE scope");
    }
    const now = this.#now();
    const object: EmulatedEnvironmentObject = {
      id: `envobj-${String(this.#nextId++).padStart(6, "0")}`,
      organizationId,
      objectKey,
      objectType,
      scope,
      scopeEntityId,
      autoLinkDeployments: body.autoLinkDeployments === true,
      links: linksOf(body.links, []),
      excludeLinks: excludeLinksOf(body.excludeLinks),
      createdAt: now,
      updatedAt: now,
      updates: 0,
    };
    if (typeof body.description === "string") object.description = body.description;
    this.#setTyped(object, body, true);
    this.#objects.set(object.id, object);
    return object;
  }

  update(organizationId: string, id: string, body: Json): EmulatedEnvironmentObject {
    const object = this.get(organizationId, id);
    if (object === undefined) throw new AstroRequestError(404, `environment object ${id} not found`);
    if (isObject(body.airflowVariable) && "isSecret" in body.airflowVariable) {
      throw new AstroRequestError(400, "isSecret cannot be changed after the environment object is created");
    }
    if (typeof body.description === "string") object.description = body.description;
    this.#setTyped(object, body, false);
    // Not a partial update: what is not sent is gone (the quirk afsync must work around).
    object.autoLinkDeployments = body.autoLinkDeployments === true;
    object.links = linksOf(body.links, object.links);
    object.excludeLinks = excludeLinksOf(body.excludeLinks);
    object.updatedAt = this.#now();
    object.updates += 1;
    return object;
  }

  delete(organizationId: string, id: string): void {
    if (this.get(organizationId, id) === undefined) throw new AstroRequestError(404, `environment object ${id} not found`);
    this.#objects.delete(id);
  }

  /** The response body: secrets redacted, `setFields` naming what holds a value. */
  view(object: EmulatedEnvironmentObject): Json {
    const setFields: string[] = [];
    const out: Json = {
      id: object.id,
      objectKey: object.objectKey,
      objectType: object.objectType,
      scope: object.scope,
      scopeEntityId: object.scopeEntityId,
      autoLinkDeployments: object.autoLinkDeployments,
      links: object.links.map((l) => ({
        scope: l.scope,
        scopeEntityId: l.scopeEntityId,
        ...linkOverridesView(object.objectType, object.value?.isSecret === true, l.overrides),
      })),
      excludeLinks: object.excludeLinks,
      createdAt: object.createdAt,
      updatedAt: object.updatedAt,
    };
    if (object.description !== undefined) out.description = object.description;
    if (object.connection !== undefined) {
      const { password: _password, ...visible } = object.connection;
      for (const [k, v] of Object.entries(object.connection)) if (v !== undefined && v !== "") setFields.push(k);
      out.connection = visible;
    }
    if (object.value !== undefined) {
      const field = object.objectType === "AIRFLOW_VARIABLE" ? "airflowVariable" : "environmentVariable";
      if (object.value.value !== undefined && object.value.value !== "") setFields.push("value");
      out[field] = { isSecret: object.value.isSecret, value: object.value.isSecret ? "" : (object.value.value ?? "") };
    }
    out.setFields = setFields;
    return out;
  }

  #setTyped(object: EmulatedEnvironmentObject, body: Json, creating: boolean): void {
    if (object.objectType === "CONNECTION") {
      if (isObject(body.connection)) {
        const next: Json = { ...body.connection };
        const password = next.password;
        if ((password === undefined || password === "") && object.connection?.password !== undefined)
          next.password = object.connection.password;
        object.connection = next;
      } else if (creating) {
        throw new AstroRequestError(400, "connection is required for a CONNECTION object");
      }
      return;
    }
    const field = object.objectType === "AIRFLOW_VARIABLE" ? "airflowVariable" : "environmentVariable";
    const sent = body[field];
    if (!isObject(sent)) {
      if (creating) throw new AstroRequestError(400, `${field} is required for a ${object.objectType} object`);
      return;
    }
    const isSecret = creating ? sent.isSecret === true : (object.value?.isSecret ?? false);
    const value = typeof sent.value === "string" ? sent.value : undefined;
    // The redacted "" sent back for a secret means "unchanged".
    if (!creating && isSecret && (value === undefined || value === "")) return;
    object.value = { isSecret, ...(value === undefined ? {} : { value }) };
  }
}

function linksOf(raw: unknown, previous: readonly EmulatedLink[]): EmulatedLink[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((l) => {
    const scopeEntityId = String(l.scopeEntityId);
    const before = previous.find((p) => p.scopeEntityId === scopeEntityId);
    // Fields omitted inside a link that is sent keep their values.
    const overrides = isObject(l.overrides) ? { ...(before?.overrides ?? {}), ...l.overrides } : before?.overrides;
    return { scope: "DEPLOYMENT", scopeEntityId, ...(overrides === undefined ? {} : { overrides }) };
  });
}

function excludeLinksOf(raw: unknown): { scope: "DEPLOYMENT"; scopeEntityId: string }[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((l) => ({ scope: "DEPLOYMENT", scopeEntityId: String(l.scopeEntityId) }));
}

function linkOverridesView(objectType: string, isSecret: boolean, overrides: Json | undefined): Json {
  if (overrides === undefined) return {};
  const conn = isObject(overrides.connection) ? overrides.connection : undefined;
  if (objectType === "CONNECTION" && conn !== undefined) {
    const { password: _password, ...visible } = conn;
    return { connectionOverrides: visible, setFields: Object.keys(conn) };
  }
  const v = objectType === "AIRFLOW_VARIABLE" ? overrides.airflowVariable : overrides.environmentVariable;
  if (!isObject(v)) return {};
  const key = objectType === "AIRFLOW_VARIABLE" ? "airflowVariableOverrides" : "environmentVariableOverrides";
  return { [key]: { value: isSecret ? "" : String(v.value ?? "") }, setFields: ["value"] };
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
