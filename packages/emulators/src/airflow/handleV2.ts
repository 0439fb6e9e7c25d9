/**
 * Airflow 3.x `/api/v2` connection and variable endpoints, after
 * `api_fastapi/core_api/routes/public/{connections,variables}.py` and
 * `services/public/{connections,variables}.py`: POST answers 201 or 409 (variables too: not an
 * upsert in v2), single PATCH merges a redacted `***` password back, bulk PATCH answers 200 with
 * per-action `success`/`errors` even when entities failed, and reads come back redacted.
 */
import { type AirflowState, blankConnection, CONNECTION_BODY_FIELDS, pageOf, type StoredConnection } from "./AirflowState.ts";
import { pythonJsonDumps, REDACTED, redactExtra, redactVariableValue } from "./airflowRedaction.ts";
import type { HandlerInput, HandlerResult } from "./handleV1.ts";

/** An item failure a test asked for (`emulator.failBulkItem`), consumed when the entity comes by. */
export type TakeItemFault = (kind: "connection" | "variable", id: string) => { status: number; message: string } | undefined;

interface ActionResult {
  success: string[];
  errors: { error: string; status_code: number }[];
}

const detail = (status: number, text: string): HandlerResult => ({ status, body: { detail: text } });

export function handleV2(input: HandlerInput, state: AirflowState, maxPageLimit: number, takeItemFault: TakeItemFault): HandlerResult {
  const body = (input.body ?? {}) as Record<string, unknown>;
  const connectionId = input.pathParams.connection_id ?? "";
  const variableKey = input.pathParams.variable_key ?? "";
  switch (input.operationId) {
    case "get_version":
      return { status: 200, body: { version: "3.2.0", git_version: null } };
    case "get_connections": {
      const all = [...state.connections.values()];
      return {
        status: 200,
        body: { connections: pageOf(all, input.query, 50, maxPageLimit).map(connectionResponse), total_entries: all.length },
      };
    }
    case "get_connection": {
      const conn = state.connections.get(connectionId);
      return conn === undefined ? connNotFound(connectionId) : { status: 200, body: connectionResponse(conn) };
    }
    case "post_connection": {
      const id = String(body.connection_id);
      if (state.connections.has(id)) return detail(409, `The connection with connection_id: \`${id}\` already exists`);
      const conn = blankConnection(body as unknown as StoredConnection);
      state.connections.set(id, conn);
      return { status: 201, body: connectionResponse(conn) };
    }
    case "patch_connection": {
      if (body.connection_id !== connectionId) return detail(400, "The connection_id in the request body does not match the URL parameter");
      const conn = state.connections.get(connectionId);
      if (conn === undefined) return connNotFound(connectionId);
      const mask = maskOf(input.query);
      for (const field of CONNECTION_BODY_FIELDS) {
        if (!(field in body) || (mask !== undefined && !mask.includes(field))) continue;
        const value = body[field] ?? null;
        // update_orm_from_pydantic merges what a client echoed back from a read.
        if (field === "password" && value === REDACTED) continue;
        if (field === "extra" && typeof value === "string") conn.extra = mergeRedactedExtra(conn.extra, value);
        else (conn as unknown as Record<string, unknown>)[field] = value;
      }
      return { status: 200, body: connectionResponse(conn) };
    }
    case "delete_connection":
      return state.connections.delete(connectionId) ? { status: 204 } : connNotFound(connectionId);
    case "bulk_connections":
      return bulk(body, "connection", {
        idOf: (e) => String((e as Record<string, unknown>).connection_id ?? e),
        exists: (id) => state.connections.has(id),
        write: (e) => state.connections.set(String(e.connection_id), blankConnection(e as unknown as StoredConnection)),
        update: (e) => {
          const conn = state.connections.get(String(e.connection_id));
          if (conn !== undefined)
            for (const f of CONNECTION_BODY_FIELDS) if (f in e) (conn as unknown as Record<string, unknown>)[f] = e[f] ?? null;
        },
        remove: (id) => state.connections.delete(id),
        takeItemFault,
      });
    case "get_variables": {
      const all = [...state.variables.values()];
      return {
        status: 200,
        body: { variables: pageOf(all, input.query, 50, maxPageLimit).map(variableResponse), total_entries: all.length },
      };
    }
    case "get_variable": {
      const v = state.variables.get(variableKey);
      return v === undefined ? varNotFound(variableKey) : { status: 200, body: variableResponse(v) };
    }
    case "post_variable": {
      const key = String(body.key);
      if (state.variables.has(key)) return detail(409, `The Variable with key: \`${key}\` already exists`);
      const v = { key, value: variableText(body.value), description: typeof body.description === "string" ? body.description : null };
      state.variables.set(key, v);
      return { status: 201, body: variableResponse(v) };
    }
    case "patch_variable": {
      if (body.key !== variableKey) return detail(400, "Invalid body, key from request body doesn't match uri parameter");
      const v = state.variables.get(variableKey);
      if (v === undefined) return varNotFound(variableKey);
      const mask = maskOf(input.query);
      // No merge for variables: a `***` sent back is stored as `***`.
      if (mask === undefined || mask.includes("value")) v.value = variableText(body.value);
      if ("description" in body && (mask === undefined || mask.includes("description")))
        v.description = typeof body.description === "string" ? body.description : null;
      return { status: 200, body: variableResponse(v) };
    }
    case "delete_variable":
      return state.variables.delete(variableKey) ? { status: 204 } : varNotFound(variableKey);
    case "bulk_variables":
      return bulk(body, "variable", {
        idOf: (e) => String((e as Record<string, unknown>).key ?? e),
        exists: (id) => state.variables.has(id),
        write: (e) =>
          state.variables.set(String(e.key), {
            key: String(e.key),
            value: variableText(e.value),
            description: typeof e.description === "string" ? e.description : null,
          }),
        update: (e) => {
          const v = state.variables.get(String(e.key));
          if (v !== undefined) v.value = variableText(e.value);
        },
        remove: (id) => state.variables.delete(id),
        takeItemFault,
      });
    default:
      return detail(501, `${input.operationId} is not emulated`);
  }
}

interface BulkOps {
  idOf(entity: unknown): string;
  exists(id: string): boolean;
  write(entity: Record<string, unknown>): void;
  update(entity: Record<string, unknown>): void;
  remove(id: string): void;
  takeItemFault: TakeItemFault;
}

/** `BulkService.handle_request`: actions run in order, results gathered per action type. */
function bulk(body: Record<string, unknown>, kind: "connection" | "variable", ops: BulkOps): HandlerResult {
  const results: Record<string, ActionResult> = {};
  const plural = kind === "connection" ? "connections" : "variables";
  const idName = kind === "connection" ? "connection_ids" : "keys";
  const actions = Array.isArray(body.actions) ? (body.actions as Record<string, unknown>[]) : [];
  for (const action of actions) {
    const type = String(action.action);
    const result = results[type] ?? { success: [], errors: [] };
    results[type] = result;
    const entities = Array.isArray(action.entities) ? (action.entities as unknown[]) : [];
    const ids = entities.map((e) => ops.idOf(e));
    if (type === "create") {
      const existing = ids.filter((id) => ops.exists(id));
      const onExistence = action.action_on_existence ?? "fail";
      if (onExistence === "fail" && existing.length > 0) {
        result.errors.push({ error: `The ${plural} with these ${idName}: ${pySet(existing)} already exist.`, status_code: 409 });
        continue;
      }
      for (const [i, entity] of entities.entries()) {
        const id = ids[i] ?? "";
        if (onExistence === "skip" && existing.includes(id)) continue;
        if (recordItemFault(ops, kind, id, result)) continue;
        ops.write(entity as Record<string, unknown>);
        result.success.push(id);
      }
    } else if (type === "update" || type === "delete") {
      const missing = ids.filter((id) => !ops.exists(id));
      if ((action.action_on_non_existence ?? "fail") === "fail" && missing.length > 0) {
        result.errors.push({ error: `The ${plural} with these ${idName}: ${pySet(missing)} were not found.`, status_code: 404 });
        continue;
      }
      for (const [i, entity] of entities.entries()) {
        const id = ids[i] ?? "";
        if (missing.includes(id)) continue;
        if (recordItemFault(ops, kind, id, result)) continue;
        if (type === "update") ops.update(entity as Record<string, unknown>);
        else ops.remove(id);
        result.success.push(id);
      }
    }
  }
  return { status: 200, body: results };
}

function recordItemFault(ops: BulkOps, kind: "connection" | "variable", id: string, result: ActionResult): boolean {
  const fault = ops.takeItemFault(kind, id);
  if (fault === undefined) return false;
  result.errors.push({ error: fault.message, status_code: fault.status });
  return true;
}

function connectionResponse(conn: StoredConnection): Record<string, unknown> {
  return { ...conn, password: conn.password === null ? null : REDACTED, extra: redactExtra(conn.extra), team_name: null };
}

function variableResponse(v: { key: string; value: string; description: string | null }): Record<string, unknown> {
  return { key: v.key, value: redactVariableValue(v.key, v.value), description: v.description, is_encrypted: true, team_name: null };
}

/** `VariableBody.value` is any JSON; Airflow stores non-strings as `json.dumps(value)`. */
function variableText(value: unknown): string {
  return typeof value === "string" ? value : pythonJsonDumps(value);
}

/** Sensitive extra keys sent back as `***` keep their stored value. */
function mergeRedactedExtra(stored: string | null, incoming: string): string {
  try {
    const next = JSON.parse(incoming) as Record<string, unknown>;
    const old = JSON.parse(stored ?? "{}") as Record<string, unknown>;
    for (const [k, v] of Object.entries(next)) if (v === REDACTED && k in old) next[k] = old[k];
    return JSON.stringify(next);
  } catch {
    return incoming;
  }
}

function maskOf(query: Readonly<Record<string, unknown>>): string[] | undefined {
  const mask = query.update_mask;
  return Array.isArray(mask) && mask.length > 0 ? mask.map(String) : undefined;
}

function pySet(ids: readonly string[]): string {
  return `{${ids.map((id) => `'${id}'`).join(", ")}}`;
}

const connNotFound = (id: string) => detail(404, `The Connection with connection_id: \`${id}\` was not found`);
const varNotFound = (key: string) => detail(404, `The Variable with key: \`${key}\` was not found`);
