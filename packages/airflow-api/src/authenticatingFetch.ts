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
import type { GetText } from "@afsync/http/GetText";
import createClient from "openapi-fetch";
import type { paths as AuthPaths } from "./generated/airflowAuthV2.ts";
import { LazyRequest } from "./lazyRequest.ts";

export type AirflowAuth =
  | { readonly type: "basic"; readonly username: string; readonly password: string }
  | { readonly type: "bearer"; readonly token: string }
  | { readonly type: "airflow-token"; readonly username: string; readonly password: string };

export function createAuthenticatingFetch(inner: FetchLike, auth: AirflowAuth, rootUrl: string): FetchLike {
  return createAirflowAuthorization(inner, auth, rootUrl).fetch;
}

/** The credentials of one target, put on its `fetch` calls and on its list GETs alike (one token between them). */
export interface AirflowAuthorization {
  readonly fetch: FetchLike;
  get(inner: GetText): GetText;
}

/** `inner` carries the token requests (`airflow-token`); the GETs go through the `GetText` given to `get`. */
export function createAirflowAuthorization(inner: FetchLike, auth: AirflowAuth, rootUrl: string): AirflowAuthorization {
  const authorized = authorizer(inner, auth, rootUrl);
  return {
    fetch: (request) =>
      authorized(
        // A body can be read once: a request with one is copied, so it can be sent again after a 401.
        (header, again) => inner(withAuthorization(again || request.body === null ? request : request.clone(), header)),
        async (response) => void (await response.body?.cancel().catch(() => undefined)),
      ),
    get: (innerGet) => (url, headers) =>
      authorized(
        (header) => innerGet(url, { ...headers, authorization: header }),
        async () => {},
      ),
  };
}

/**
 * Sends one request with the credentials (`send(header, again)`); `discard` lets go of an answer
 * that is sent again. Only `airflow-token` sends again: once, after a 401, with a new token.
 */
function authorizer(inner: FetchLike, auth: AirflowAuth, rootUrl: string) {
  type Send<A> = (header: string, again: boolean) => Promise<A>;
  if (auth.type === "basic") {
    const header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, "utf8").toString("base64")}`;
    return <A>(send: Send<A>, _discard: (answer: A) => Promise<void>) => send(header, false);
  }
  if (auth.type === "bearer") {
    const header = `Bearer ${auth.token}`;
    return <A>(send: Send<A>, _discard: (answer: A) => Promise<void>) => send(header, false);
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
  return async <A extends { readonly status: number }>(send: Send<A>, discard: (answer: A) => Promise<void>): Promise<A> => {
    const before = current;
    current ??= requestToken();
    const token = await current.catch((error: unknown) => {
      current = undefined;
      throw error;
    });
    const answer = await send(`Bearer ${token}`, false);
    if (answer.status !== 401 || before === undefined) return answer;
    // The token we had was stale: get a new one (unless a concurrent request already did) and retry once.
    await discard(answer);
    if (current !== undefined && (await current) === token) current = requestToken();
    const renewed = await current;
    return send(`Bearer ${renewed}`, true);
  };
}

function withAuthorization(request: Request, header: string): Request {
  const headers = new Headers(request.headers);
  headers.set("authorization", header);
  return new Request(request, { headers });
}
