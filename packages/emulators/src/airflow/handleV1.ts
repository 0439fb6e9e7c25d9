/**
 * Airflow 2.x `/api/v1` connection and variable endpoints, as
 * `airflow/api_connexion/endpoints/{connection,variable}_endpoint.py` (2.9) behave:
 * POST connection answers 409 on an existing id, POST variable is an upsert, PATCH needs the
 * entity to exist and refuses a body id that differs from the path, lists omit secrets, a read
 * connection never carries its password and its `extra` comes back redacted.
 */
import { type AirflowState, blankConnection, CONNECTION_BODY_FIELDS, pageOf, type StoredConnection } from "./AirflowState.ts";
import { redactExtra } from "./airflowRedaction.ts";

export interface HandlerInput {
  readonly operationId: string;
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: unknown;
}

export interface HandlerResult {
  readonly status: number;
  readonly body?: unknown;
}

const TYPE_BASE = "https://airflow.apache.org/docs/apache-airflow/2.9.2/stable-rest-api-ref.html#section/Errors";
// airflow.utils.helpers.validate_key
const KEY_PATTERN = /^[\w.-]+$/;

function problem(status: number, title: string, detail: string, type: string): HandlerResult {
  return { status, body: { detail, status, title, type: `${TYPE_BASE}/${type}` } };
}

const notFound = (detail: string) => problem(404, "Not Found", detail, "NotFound");
const badRequest = (detail: string) => problem(400, "Bad Request", detail, "BadRequest");

export function handleV1(input: HandlerInput, state: AirflowState, maxPageLimit: number): HandlerResult {
  const body = (input.body ?? {}) as Record<string, unknown>;
  const connectionId = input.pathParams.connection_id ?? "";
  const variableKey = input.pathParams.variable_key ?? "";
  switch (input.operationId) {
    case "get_version":
      return { status: 200, body: { version: "2.9.2", git_version: null } };
    case "get_connections": {
      const all = [...state.connections.values()];
      const connections = pageOf(all, input.query, 100, maxPageLimit).map(({ password: _p, extra: _e, ...item }) => item);
      return { status: 200, body: { connections, total_entries: all.length } };
    }
    case "get_connection": {
      const conn = state.connections.get(connectionId);
      return conn === undefined
        ? notFound(`The Connection with connection_id: \`${connectionId}\` was not found`)
        : { status: 200, body: readable(conn) };
    }
    case "post_connection": {
      const id = String(body.connection_id ?? "");
      if (id === "" || typeof body.conn_type !== "string")
        return badRequest("{'connection_id': ['Missing data for required field.'], 'conn_type': ['Missing data for required field.']}");
      if (id.length > 200 || !KEY_PATTERN.test(id)) {
        return badRequest(`The key '${id}' has to be made of alphanumeric characters, dashes, dots and underscores exclusively`);
      }
      if (state.connections.has(id))
        return problem(409, "Connection already exist", `Connection already exist. ID: ${id}`, "AlreadyExists");
      const conn = blankConnection({ ...(body as Partial<StoredConnection>), connection_id: id, conn_type: body.conn_type });
      state.connections.set(id, conn);
      return { status: 200, body: readable(conn) };
    }
    case "patch_connection": {
      const conn = state.connections.get(connectionId);
      if (conn === undefined) return notFound(`The Connection with connection_id: \`${connectionId}\` was not found`);
      if (body.connection_id !== undefined && body.connection_id !== connectionId)
        return badRequest("The connection_id cannot be updated.");
      const mask = maskOf(input.query);
      for (const field of mask ?? []) {
        if (!(CONNECTION_BODY_FIELDS as readonly string[]).includes(field))
          return badRequest(`'${field}' is unknown or cannot be updated.`);
      }
      // Connexion loads the body with partial=True: only keys present (and in the mask) are set.
      for (const field of CONNECTION_BODY_FIELDS) {
        if (field in body && (mask === undefined || mask.includes(field)))
          (conn as unknown as Record<string, unknown>)[field] = body[field] ?? null;
      }
      return { status: 200, body: readable(conn) };
    }
    case "delete_connection":
      return state.connections.delete(connectionId)
        ? { status: 204 }
        : notFound(`The Connection with connection_id: \`${connectionId}\` was not found`);
    case "get_variables": {
      const all = [...state.variables.values()];
      const variables = pageOf(all, input.query, 100, maxPageLimit).map(({ key, description }) => ({ key, description }));
      return { status: 200, body: { variables, total_entries: all.length } };
    }
    case "get_variable": {
      const v = state.variables.get(variableKey);
      return v === undefined ? notFound("Variable not found") : { status: 200, body: v };
    }
    case "post_variables": {
      if (typeof body.key !== "string" || typeof body.value !== "string")
        return badRequest("{'value': ['Missing data for required field.']}");
      const v = { key: body.key, value: body.value, description: typeof body.description === "string" ? body.description : null };
      state.variables.set(v.key, v);
      return { status: 200, body: v };
    }
    case "patch_variable": {
      if (typeof body.key !== "string" || typeof body.value !== "string")
        return badRequest("{'value': ['Missing data for required field.']}");
      if (body.key !== variableKey) return badRequest("Invalid post body: key from request body doesn't match uri parameter");
      const v = state.variables.get(variableKey);
      if (v === undefined) return notFound("Variable not found");
      const mask = maskOf(input.query);
      if (mask === undefined || mask.includes("value")) v.value = body.value;
      if ("description" in body && (mask === undefined || mask.includes("description")))
        v.description = typeof body.description === "string" ? body.description : null;
      return { status: 200, body: v };
    }
    case "delete_variable":
      return state.variables.delete(variableKey) ? { status: 204 } : notFound("Variable not found");
    default:
      return problem(501, "Not Implemented", `${input.operationId} is not emulated`, "Unknown");
  }
}

/** What a single-connection GET shows: no password (`load_only`), `extra` redacted. */
function readable(conn: StoredConnection): Record<string, unknown> {
  const { password: _password, ...rest } = conn;
  return { ...rest, extra: redactExtra(conn.extra) };
}

function maskOf(query: Readonly<Record<string, unknown>>): string[] | undefined {
  const mask = query.update_mask;
  return Array.isArray(mask) && mask.length > 0 ? mask.map((m) => String(m).trim()) : undefined;
}
