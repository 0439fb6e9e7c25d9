/**
 * Puts the configured credentials on every request. Three ways in, matching how Airflow
 * Deployments are reached:
 *
 * - `basic`: HTTP Basic for an FAB user (Airflow 2 with `airflow.api.auth.backend.basic_auth`).
 * - `bearer`: a fixed token, e.g. an Astro Deployment/Workspace/Organization API token, which the
 *   Astro front door accepts on both `/api/v1` and `/api/v2`.
 * - `airflow-token`: Airflow 3's own JWT from `POST /auth/token` (SimpleAuthManager or FAB).
 *   JWTs expire (`[api_auth] jwt_expiration_time`, a day by default) and there is no refresh
 *   endpoint, so on a 401 the token is requested again, once per request.
 *
 * Credentials live only in this closure: never in a URL, a log field or an error message.
 */

import { RemoteCallError } from "@afsync/core";
import type { FetchLike } from "@afsync/http/FetchLike";
import createClient from "openapi-fetch";
import type { paths as AuthPaths } from "./generated/airflowAuthV2.ts";
import { LazyRequest } from "./lazyRequest.ts";

export type AirflowAuth =
  | { readonly type: "basic"; readonly username: string; readonly password: string }
  | { readonly type: "bearer"; readonly token: string }
  | { readonly type: "airflow-token"; readonly username: string; readonly password: string };

export function createAuthenticatingFetch(inner: FetchLike, auth: AirflowAuth, rootUrl: string): FetchLike {
  if (auth.type === "basic") {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    return (request) => inner(withAuthorization(request, header));
  }
  if (auth.type === "bearer") {
    const header = `Bearer ${auth.token}`;
    return (request) => inner(withAuthorization(request, header));
  }
  const tokens = createClient<AuthPaths>({ baseUrl: rootUrl, fetch: inner, Request: LazyRequest });
  let current: Promise<string> | undefined;
  const requestToken = async (): Promise<string> => {
    const { data, response } = await tokens.POST("/auth/token", { body: { username: auth.username, password: auth.password } });
    if (data?.access_token === undefined) {
      throw new RemoteCallError(
        `POST /auth/token answered ${response.status}: could not get an Airflow API token for user '${auth.username}'`,
        {
          status: response.status,
        },
      );
    }
    return data.access_token;
  };
  return async (request) => {
    const before = current;
    current ??= requestToken();
    const token = await current.catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    // A body can be read once: a request with one is copied, so it can be sent again after a 401.
    const response = await inner(withAuthorization(request.body === null ? request : request.clone(), `Bearer ${token}`));
    if (response.status !== 401 || before === undefined) return response;
    // The token we had was stale: get a new one (unless a concurrent request already did) and retry once.
    await response.body?.cancel().catch(() => undefined);
    if (current !== undefined && (await current) === token) current = requestToken();
    const renewed = await current;
    return inner(withAuthorization(request, `Bearer ${renewed}`));
  };
}

function withAuthorization(request: Request, header: string): Request {
  const headers = new Headers(request.headers);
  headers.set("authorization", header);
  return new Request(request, { headers });
}
