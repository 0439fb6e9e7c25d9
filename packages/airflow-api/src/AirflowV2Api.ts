/**
 * Airflow 3.x `/api/v2`, typed from the spec (`generated/airflowV2.ts`). Writes go through the
 * bulk endpoints, one call per batch: `create` with `action_on_existence: overwrite` (a
 * full-replace upsert) and `delete` with `action_on_non_existence: skip`. A bulk call answers
 * 200 even when entities failed, so each key is judged by the answer's `success` list; a key
 * missing from it failed, with the action's error that names it (or all of them).
 */
import { RemoteCallError } from "@afsync/core";
import type { FetchLike } from "@afsync/http/FetchLike";
import type { GetText } from "@afsync/http/GetText";
import createClient from "openapi-fetch";
import { type AirflowApi, type ConnectionWrite, type ItemResult, listedVariables, type VariableWrite } from "./AirflowApi.ts";
import type { components, paths } from "./generated/airflowV2.ts";
import { LazyRequest } from "./lazyRequest.ts";
import { listAllPages } from "./listAllPages.ts";
import { listPageGet } from "./listPageGet.ts";
import { scrub, serverMessage } from "./serverMessage.ts";

type BulkResponse = components["schemas"]["BulkResponse"];
type BulkActionResponse = components["schemas"]["BulkActionResponse"];
type ConnectionCollectionResponse = components["schemas"]["ConnectionCollectionResponse"];
type VariableCollectionResponse = components["schemas"]["VariableCollectionResponse"];

/** `get` reads the list pages (see `listPageGet`); everything else goes through `fetch`. */
export function createAirflowV2Api(rootUrl: string, fetch: FetchLike, get: GetText, pageLimit: number, batchSize: number): AirflowApi {
  const client = createClient<paths>({ baseUrl: rootUrl, fetch, Request: LazyRequest });
  const listPage = listPageGet(get, rootUrl, pageLimit);

  /** Sends one bulk call per batch and turns each answer into per-key results. */
  async function bulk(
    upsertIds: readonly string[],
    deletes: readonly string[],
    secrets: readonly string[],
    send: (
      upsertSlice: [number, number],
      deleteSlice: readonly string[],
    ) => Promise<{ data?: BulkResponse; error?: unknown; response: Response }>,
  ): Promise<ItemResult[]> {
    const results: ItemResult[] = [];
    let u = 0;
    let d = 0;
    while (u < upsertIds.length || d < deletes.length) {
      const uEnd = Math.min(upsertIds.length, u + batchSize);
      const dEnd = Math.min(deletes.length, d + batchSize - (uEnd - u));
      const ups = upsertIds.slice(u, uEnd);
      const dels = deletes.slice(d, dEnd);
      const batchIds = [...ups, ...dels];
      try {
        const { data, error, response } = await send([u, uEnd], dels);
        if (data === undefined) {
          const message = serverMessage(response.status, error, secrets);
          results.push(...batchIds.map((id) => ({ id, ok: false, error: message })));
        } else {
          results.push(...judge(ups, data.create, false, secrets), ...judge(dels, data.delete, true, secrets));
        }
      } catch (cause) {
        const message = `request failed: ${cause instanceof Error ? cause.message : String(cause)}`;
        results.push(...batchIds.map((id) => ({ id, ok: false, error: message })));
      }
      u = uEnd;
      d = dEnd;
    }
    return results;
  }

  function judge(
    ids: readonly string[],
    action: BulkActionResponse | null | undefined,
    absentIsDone: boolean,
    secrets: readonly string[],
  ): ItemResult[] {
    if (ids.length === 0) return [];
    const success = new Set(action?.success ?? []);
    const errors = (action?.errors ?? []).map((e) => ({
      text: typeof e.error === "string" ? e.error : JSON.stringify(e.error ?? "error"),
      status: typeof e.status_code === "number" ? e.status_code : 0,
    }));
    return ids.map((id) => {
      if (success.has(id)) return { id, ok: true };
      // With `skip`, a delete of a key already gone is neither a success nor an error.
      if (absentIsDone && errors.length === 0) return { id, ok: true };
      const own = errors.filter((e) => mentions(e.text, id));
      const chosen = own.length > 0 ? own : errors;
      const text = chosen.length > 0 ? chosen.map((e) => `${e.status} ${e.text}`).join("; ") : "the server did not confirm this write";
      return { id, ok: false, error: scrub(text, secrets) };
    });
  }

  return {
    version: 2,
    maxBatch: batchSize,
    listConnectionIds: (intern = asIs) =>
      listAllPages("/api/v2/connections", async (offset) => {
        const { data, error, status } = await listPage<ConnectionCollectionResponse>("/api/v2/connections", offset);
        return { items: (data?.connections ?? []).map((c) => intern(c.connection_id)), total: data?.total_entries ?? 0, status, error };
      }),
    listVariables: async (keepValue = () => true, intern = asIs) =>
      listedVariables(
        await listAllPages<string | { key: string; value: string }>("/api/v2/variables", async (offset) => {
          const { data, error, status } = await listPage<VariableCollectionResponse>("/api/v2/variables", offset);
          return {
            items: (data?.variables ?? []).map((v) => (keepValue(v.key) ? { key: intern(v.key), value: v.value } : intern(v.key))),
            total: data?.total_entries ?? 0,
            status,
            error,
          };
        }),
      ),
    async getVariable(key) {
      const { data, error, response } = await client.GET("/api/v2/variables/{variable_key}", { params: { path: { variable_key: key } } });
      if (response.status === 404) return null;
      if (data === undefined)
        throw new RemoteCallError(`GET /api/v2/variables/${key} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
      return data.value;
    },
    async createConnectionIfAbsent(id, description) {
      const { error, response } = await client.POST("/api/v2/connections", {
        body: { connection_id: id, conn_type: "generic", description },
      });
      if (response.ok) return "created";
      if (response.status === 409) return "exists";
      throw new RemoteCallError(`POST /api/v2/connections ${id} failed: ${serverMessage(response.status, error)}`, {
        status: response.status,
      });
    },
    async getConnectionDescription(id) {
      const { data, error, response } = await client.GET("/api/v2/connections/{connection_id}", {
        params: { path: { connection_id: id } },
      });
      if (response.status === 404) return null;
      if (data === undefined)
        throw new RemoteCallError(`GET /api/v2/connections/${id} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
      return data.description ?? "";
    },
    async deleteConnection(id) {
      const { error, response } = await client.DELETE("/api/v2/connections/{connection_id}", { params: { path: { connection_id: id } } });
      if (!response.ok && response.status !== 404)
        throw new RemoteCallError(`DELETE /api/v2/connections/${id} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
    },
    writeConnections(upserts: readonly ConnectionWrite[], deletes) {
      const secrets = upserts.flatMap((w) => w.secrets);
      return bulk(
        upserts.map((w) => w.body.connection_id),
        deletes,
        secrets,
        ([from, to], dels) =>
          client.PATCH("/api/v2/connections", {
            body: {
              actions: [
                ...(to > from
                  ? [
                      {
                        action: "create" as const,
                        action_on_existence: "overwrite" as const,
                        entities: upserts.slice(from, to).map((w) => w.body),
                      },
                    ]
                  : []),
                ...(dels.length > 0 ? [{ action: "delete" as const, action_on_non_existence: "skip" as const, entities: [...dels] }] : []),
              ],
            },
          }),
      );
    },
    writeVariables(upserts: readonly VariableWrite[], deletes) {
      const secrets = upserts.flatMap((w) => w.secrets);
      return bulk(
        upserts.map((w) => w.key),
        deletes,
        secrets,
        ([from, to], dels) =>
          client.PATCH("/api/v2/variables", {
            body: {
              actions: [
                ...(to > from
                  ? [
                      {
                        action: "create" as const,
                        action_on_existence: "overwrite" as const,
                        entities: upserts.slice(from, to).map((w) => ({
                          key: w.key,
                          value: w.value,
                          ...(w.description === undefined ? {} : { description: w.description }),
                        })),
                      },
                    ]
                  : []),
                ...(dels.length > 0 ? [{ action: "delete" as const, action_on_non_existence: "skip" as const, entities: [...dels] }] : []),
              ],
            },
          }),
      );
    },
  };
}

/** Airflow names failed entities inside the message (`{'a', 'b'}`, `` `a` ``); match the id as a whole token. */
function mentions(text: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w.-])`).test(text);
}

const asIs = (text: string) => text;
