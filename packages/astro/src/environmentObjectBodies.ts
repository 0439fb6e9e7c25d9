import { type AirflowValue, type Connection, InvalidValueError } from "@afsync/core";
import type { components } from "./generated/astroEnvironmentObjects.ts";

type Schemas = components["schemas"];
export type EnvironmentObject = Schemas["EnvironmentObject"];
export type CreateEnvironmentObjectRequest = Schemas["CreateEnvironmentObjectRequest"];
export type UpdateEnvironmentObjectRequest = Schemas["UpdateEnvironmentObjectRequest"];
export type LinkRequest = Schemas["LinkRequest"];

/** Where afsync's objects live: one Workspace (linked to Deployments) or one Deployment. */
export type EnvironmentScope = { readonly scope: "WORKSPACE" | "DEPLOYMENT"; readonly scopeEntityId: string };

export interface LinkSettings {
  /** Deployments every object afsync writes must be linked to (WORKSPACE scope). */
  readonly linkDeployments: readonly string[];
  /** Link every Deployment of the Workspace, now and future ones (WORKSPACE scope). */
  readonly autoLink: boolean;
}

/**
 * An Airflow connection as the Environment Manager stores it: `conn_type` → `type` (required),
 * `extra` as a JSON object rather than Airflow's string, `description` at object level, and
 * null fields left out.
 */
export function connectionRequest(connId: string, conn: Connection): Schemas["ConnectionRequest"] {
  if (conn.conn_type === null || conn.conn_type === "") {
    throw new InvalidValueError(`connection ${connId} has no conn_type, which the Astro Environment Manager requires`);
  }
  return {
    type: conn.conn_type,
    ...(conn.host === null ? {} : { host: conn.host }),
    ...(conn.login === null ? {} : { login: conn.login }),
    ...(conn.password === null ? {} : { password: conn.password }),
    ...(conn.schema === null ? {} : { schema: conn.schema }),
    ...(conn.port === null ? {} : { port: conn.port }),
    ...(conn.extra === null || Object.keys(conn.extra).length === 0 ? {} : { extra: conn.extra }),
  };
}

export function objectTypeOf(value: AirflowValue): "CONNECTION" | "AIRFLOW_VARIABLE" {
  return value.kind === "connection" ? "CONNECTION" : "AIRFLOW_VARIABLE";
}

/**
 * A create body. Variables are created secret: afsync cannot tell which ones are sensitive, and
 * `isSecret` can never be changed afterwards, so erring the other way would expose values for good.
 */
export function createBody(
  objectKey: string,
  value: AirflowValue,
  where: EnvironmentScope,
  links: LinkSettings,
): CreateEnvironmentObjectRequest {
  const base = {
    objectKey,
    objectType: objectTypeOf(value),
    scope: where.scope,
    scopeEntityId: where.scopeEntityId,
    ...(where.scope === "WORKSPACE"
      ? { autoLinkDeployments: links.autoLink, links: links.linkDeployments.map(linkTo), excludeLinks: [] }
      : {}),
  };
  if (value.kind === "variable") return { ...base, airflowVariable: { value: value.value, isSecret: true } };
  const description = value.connection.description;
  return { ...base, connection: connectionRequest(objectKey, value.connection), ...(description ? { description } : {}) };
}

/**
 * An update body. The API treats a missing `links`/`excludeLinks` as "none" and a missing
 * `autoLinkDeployments` as false (astro-cli `cloud/env/link.go` `echoPreservedFields`, verified
 * against the platform), so all three are always sent: what the object has now, plus the links
 * afsync is configured to add. Link entries carry no `overrides`: fields left out inside a link
 * are kept, so per-Deployment overrides set in the UI survive (and their masked secrets are
 * never sent back as placeholders).
 */
export function updateBody(existing: EnvironmentObject, value: AirflowValue, links: LinkSettings): UpdateEnvironmentObjectRequest {
  const linkFields =
    existing.scope === "WORKSPACE"
      ? {
          autoLinkDeployments: existing.autoLinkDeployments === true || links.autoLink,
          links: mergeLinks(existing.links ?? [], links.linkDeployments),
          excludeLinks: (existing.excludeLinks ?? []).map((l) => ({ scope: l.scope, scopeEntityId: l.scopeEntityId })),
        }
      : {};
  if (value.kind === "variable") return { ...linkFields, airflowVariable: { value: value.value } };
  const description = value.connection.description;
  return { ...linkFields, connection: connectionRequest(existing.objectKey, value.connection), ...(description ? { description } : {}) };
}

function mergeLinks(existing: readonly { scopeEntityId: string }[], wanted: readonly string[]): LinkRequest[] {
  const ids = [...existing.map((l) => l.scopeEntityId)];
  for (const id of wanted) if (!ids.includes(id)) ids.push(id);
  return ids.map(linkTo);
}

function linkTo(deploymentId: string): LinkRequest {
  return { scope: "DEPLOYMENT", scopeEntityId: deploymentId };
}
