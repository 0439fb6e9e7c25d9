/**
 * Airflow 2.x `/api/v1`, typed from the spec (`generated/airflowV1.ts`). One entity per call:
 * an upsert is `PATCH /{id}` (the common case once afsync owns the key: one call), falling back
 * to `POST` on 404; a POST that meets 409 lost a race with another writer and PATCHes again.
 * When the last read showed the id absent, the POST goes first (a first sync: one call a key).
 * Deleting something already gone counts as done. Lists are paged: the server clamps `limit`
 * to `[api] maximum_page_limit`, so paging follows `total_entries`, not the asked-for size.
 */
import { RemoteCallError } from "@afsync/core";
import type { FetchLike } from "@afsync/http/FetchLike";
import type { GetText } from "@afsync/http/GetText";
import createClient from "openapi-fetch";
import { type AirflowApi, type ConnectionWrite, type ItemResult, listedVariables, type VariableWrite } from "./AirflowApi.ts";
import type { ConnectionBody } from "./connectionBody.ts";
import type { components, paths } from "./generated/airflowV1.ts";
import { LazyRequest } from "./lazyRequest.ts";
import { listAllPages } from "./listAllPages.ts";
import { listPageGet } from "./listPageGet.ts";
import { serverMessage } from "./serverMessage.ts";

type V1ConnectionBody = Omit<ConnectionBody, "password"> & { password?: string };

/** `get` reads the list pages (see `listPageGet`); everything else goes through `fetch`. */
export function createAirflowV1Api(rootUrl: string, fetch: FetchLike, get: GetText, pageLimit: number, concurrency = 1): AirflowApi {
  const client = createClient<paths>({ baseUrl: `${rootUrl}/api/v1`, fetch, Request: LazyRequest });
  const listPage = listPageGet(get, rootUrl, pageLimit);

  async function upsertConnection({ body, secrets }: ConnectionWrite, exists: boolean | undefined): Promise<ItemResult> {
    const id = body.connection_id;
    const { password, ...rest } = body;
    // v1's `password` is a non-nullable string: a connection without one is cleared with "" on
    // PATCH (which only touches the fields it is given) and simply has none on POST.
    const patchBody: V1ConnectionBody = { ...rest, password: password ?? "" };
    const postBody: V1ConnectionBody = password === null ? rest : { ...rest, password };
    const patch = () => client.PATCH("/connections/{connection_id}", { params: { path: { connection_id: id } }, body: patchBody });
    const post = () => client.POST("/connections", { body: postBody });
    if (exists === false) {
      const created = await post();
      if (created.response.ok) return { id, ok: true };
      if (created.response.status !== 409) return failed(id, created.response.status, created.error, secrets);
      // Someone created it since the read: update it instead.
      const patched = await patch();
      return patched.response.ok ? { id, ok: true } : failed(id, patched.response.status, patched.error, secrets);
    }
    const first = await patch();
    if (first.response.ok) return { id, ok: true };
    if (first.response.status !== 404) return failed(id, first.response.status, first.error, secrets);
    const created = await post();
    if (created.response.ok) return { id, ok: true };
    if (created.response.status === 409) {
      const again = await patch();
      return again.response.ok ? { id, ok: true } : failed(id, again.response.status, again.error, secrets);
    }
    return failed(id, created.response.status, created.error, secrets);
  }

  async function upsertVariable({ key, value, description, secrets }: VariableWrite, exists: boolean | undefined): Promise<ItemResult> {
    const body = { key, value, ...(description === undefined ? {} : { description }) };
    // POST /variables is itself an upsert in v1 (`Variable.set`): for a key the read did not
    // see it is the one call needed, and no 409 can follow.
    const post = async (): Promise<ItemResult> => {
      const created = await client.POST("/variables", { body });
      return created.response.ok ? { id: key, ok: true } : failed(key, created.response.status, created.error, secrets);
    };
    if (exists === false) return post();
    const patched = await client.PATCH("/variables/{variable_key}", { params: { path: { variable_key: key } }, body });
    if (patched.response.ok) return { id: key, ok: true };
    return patched.response.status === 404 ? post() : failed(key, patched.response.status, patched.error, secrets);
  }

  return {
    version: 1,
    maxBatch: 1,
    listConnectionIds: (intern = asIs) =>
      listAllPages("/api/v1/connections", async (offset) => {
        const { data, error, status } = await listPage<components["schemas"]["ConnectionCollection"]>("/api/v1/connections", offset);
        const items = (data?.connections ?? []).flatMap((c) => (typeof c.connection_id === "string" ? [intern(c.connection_id)] : []));
        return { items, total: data?.total_entries ?? 0, status, error };
      }),
    listVariables: async (_keepValue, intern = asIs) =>
      listedVariables(
        await listAllPages("/api/v1/variables", async (offset) => {
          const { data, error, status } = await listPage<components["schemas"]["VariableCollection"]>("/api/v1/variables", offset);
          const items = (data?.variables ?? []).flatMap((v) => (typeof v.key === "string" ? [intern(v.key)] : []));
          return { items, total: data?.total_entries ?? 0, status, error };
        }),
      ),
    async getVariable(key) {
      const { data, error, response } = await client.GET("/variables/{variable_key}", { params: { path: { variable_key: key } } });
      if (response.status === 404) return null;
      if (error !== undefined || typeof data?.value !== "string") {
        throw new RemoteCallError(`GET /api/v1/variables/${key} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
      }
      return data.value;
    },
    writeConnections: (upserts, deletes, known) =>
      inParallel(concurrency, [
        ...upserts.map(
          (write) => () => guarded(write.body.connection_id, () => upsertConnection(write, known?.(write.body.connection_id))),
        ),
        ...deletes.map(
          (id) => () =>
            guarded(id, async () => {
              const { error, response } = await client.DELETE("/connections/{connection_id}", { params: { path: { connection_id: id } } });
              return response.ok || response.status === 404 ? { id, ok: true } : failed(id, response.status, error, []);
            }),
        ),
      ]),
    async createConnectionIfAbsent(id, description) {
      const { error, response } = await client.POST("/connections", { body: { connection_id: id, conn_type: "generic", description } });
      if (response.ok) return "created";
      if (response.status === 409) return "exists";
      throw new RemoteCallError(`POST /api/v1/connections ${id} failed: ${serverMessage(response.status, error)}`, {
        status: response.status,
      });
    },
    async getConnectionDescription(id) {
      const { data, error, response } = await client.GET("/connections/{connection_id}", { params: { path: { connection_id: id } } });
      if (response.status === 404) return null;
      if (data === undefined)
        throw new RemoteCallError(`GET /api/v1/connections/${id} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
      return data.description ?? "";
    },
    async deleteConnection(id) {
      const { error, response } = await client.DELETE("/connections/{connection_id}", { params: { path: { connection_id: id } } });
      if (!response.ok && response.status !== 404)
        throw new RemoteCallError(`DELETE /api/v1/connections/${id} failed: ${serverMessage(response.status, error)}`, {
          status: response.status,
        });
    },
    writeVariables: (upserts, deletes, known) =>
      inParallel(concurrency, [
        ...upserts.map((write) => () => guarded(write.key, () => upsertVariable(write, known?.(write.key)))),
        ...deletes.map(
          (key) => () =>
            guarded(key, async () => {
              const { error, response } = await client.DELETE("/variables/{variable_key}", { params: { path: { variable_key: key } } });
              return response.ok || response.status === 404 ? { id: key, ok: true } : failed(key, response.status, error, []);
            }),
        ),
      ]),
  };
}

function failed(id: string, status: number, body: unknown, secrets: readonly string[]): ItemResult {
  return { id, ok: false, error: serverMessage(status, body, secrets) };
}

/**
 * Runs the tasks with at most `limit` in flight (v1 has no bulk endpoint, so a batch is many
 * small calls; a few at once hide the round trips), results in the tasks' order.
 */
async function inParallel<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i];
      if (task !== undefined) results[i] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

/** A network failure that outlived the retries fails this item, not the whole apply. */
export async function guarded(id: string, run: () => Promise<ItemResult>): Promise<ItemResult> {
  try {
    return await run();
  } catch (error) {
    return { id, ok: false, error: `request failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const asIs = (text: string) => text;
