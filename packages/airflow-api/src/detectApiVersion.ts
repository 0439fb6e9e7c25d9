/**
 * `api_version: auto`: ask the server, the way astro-cli does (`cmd/api/airflow.go`): try
 * `GET /api/v2/version` (Airflow 3), then `GET /api/v1/version` (Airflow 2).
 */
import { RemoteCallError } from "@afsync/core";
import type { FetchLike } from "@afsync/http/FetchLike";
import createClient from "openapi-fetch";
import type { paths as V1Paths } from "./generated/airflowV1.ts";
import type { paths as V2Paths } from "./generated/airflowV2.ts";

export async function detectApiVersion(rootUrl: string, fetch: FetchLike): Promise<1 | 2> {
  const v2 = await createClient<V2Paths>({ baseUrl: rootUrl, fetch }).GET("/api/v2/version");
  if (v2.response.ok) return 2;
  const v1 = await createClient<V1Paths>({ baseUrl: `${rootUrl}/api/v1`, fetch }).GET("/version");
  if (v1.response.ok) return 1;
  throw new RemoteCallError(
    `cannot tell the Airflow API version at ${rootUrl}: /api/v2/version answered ${v2.response.status}, /api/v1/version answered ${v1.response.status}; set api_version: 1 or 2`,
    { status: v1.response.status },
  );
}
