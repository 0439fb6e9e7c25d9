import { type Logger, RemoteCallError } from "@afsync/core";
import type { AstroClientOptions } from "./astroClient.ts";
import { astroCallError, astroNetworkError, createDeploymentClientV1, createPlatformClient } from "./astroClient.ts";
import { type Deployment, type EnvVarRequest, updateRequestFor } from "./deploymentUpdateRequest.ts";
import { type DeploymentV1, updateRequestForV1 } from "./deploymentUpdateRequestV1.ts";

/**
 * The Astro API versions that serve GetDeployment and UpdateDeployment. `v1` is the current
 * Astro API; `v1beta1` is the Platform API, which reaches end of support in January 2027.
 */
export type AstroApiVersion = "v1" | "v1beta1";

export const ASTRO_API_URLS: Readonly<Record<AstroApiVersion, string>> = {
  v1: "https://api.astronomer.io/v1",
  v1beta1: "https://api.astronomer.io/platform/v1beta1",
};

/** What the target needs of a Deployment, the same in both versions. */
export interface DeploymentVariables {
  readonly id: string;
  readonly environmentVariables?: readonly { key: string; value?: string; isSecret: boolean }[];
}

/** GetDeployment and an UpdateDeployment that changes only the variables, in one API version. */
export interface AstroDeploymentApi<D extends DeploymentVariables = DeploymentVariables> {
  get(): Promise<D>;
  /** Sends `current` back with `variables` as the whole list; `sent` are scrubbed from errors. */
  update(current: D, variables: EnvVarRequest[], sent: readonly string[]): Promise<void>;
}

export interface AstroDeploymentApiOptions extends AstroClientOptions {
  readonly apiVersion: AstroApiVersion;
  readonly organizationId: string;
  readonly deploymentId: string;
  readonly logger: Logger;
}

let warnedV1beta1 = false;

export function createAstroDeploymentApi(options: AstroDeploymentApiOptions): AstroDeploymentApi {
  if (options.apiVersion === "v1") return v1Api(options);
  if (!warnedV1beta1) {
    // Once per process: serve would otherwise repeat it on every run.
    warnedV1beta1 = true;
    options.logger.log(
      "warn",
      "astro-env-vars: api_version v1beta1 is the Astro Platform API, which reaches end of support in January 2027; set api_version: v1",
      {
        deployment: options.deploymentId,
      },
    );
  }
  return v1beta1Api(options);
}

const PATH = "/organizations/{organizationId}/deployments/{deploymentId}";

function v1Api(options: AstroDeploymentApiOptions): AstroDeploymentApi<DeploymentV1> {
  const client = createDeploymentClientV1(options);
  const params = { path: { organizationId: options.organizationId, deploymentId: options.deploymentId } };
  return {
    get: () =>
      call(`GetDeployment ${options.deploymentId}`, [], async () => {
        const { data, error, response } = await client.GET(PATH, { params });
        return { data, error, response };
      }),
    update: async (current, variables, sent) => {
      await call(`UpdateDeployment ${options.deploymentId}`, sent, async () => {
        const { data, error, response } = await client.POST(PATH, { params, body: updateRequestForV1(current, variables) });
        return { data, error, response };
      });
    },
  };
}

function v1beta1Api(options: AstroDeploymentApiOptions): AstroDeploymentApi<Deployment> {
  const client = createPlatformClient(options);
  const params = { path: { organizationId: options.organizationId, deploymentId: options.deploymentId } };
  return {
    get: () =>
      call(`GetDeployment ${options.deploymentId}`, [], async () => {
        const { data, error, response } = await client.GET(PATH, { params });
        return { data, error, response };
      }),
    update: async (current, variables, sent) => {
      await call(`UpdateDeployment ${options.deploymentId}`, sent, async () => {
        const { data, error, response } = await client.POST(PATH, { params, body: updateRequestFor(current, variables) });
        return { data, error, response };
      });
    },
  };
}

/** One call: its data, or a RemoteCallError naming what was attempted (network errors included). */
async function call<T>(
  what: string,
  sent: readonly string[],
  send: () => Promise<{ data: T | undefined; error: unknown; response: Response }>,
): Promise<T> {
  try {
    const { data, error, response } = await send();
    if (data === undefined) throw astroCallError(what, response, error, sent);
    return data;
  } catch (e) {
    throw e instanceof RemoteCallError ? e : astroNetworkError(what, e);
  }
}
