/**
 * The Deployments of the Astro emulator and what UpdateDeployment does to them, as
 * docs/reference/target-apis.md §4.2 describes the real Astro API:
 *
 * - `environmentVariables` replaces the whole list: a variable left out is deleted.
 * - Secret values are never returned on read (`value` is omitted).
 * - A secret variable sent back without `value` keeps its stored value. This is how astro-cli
 *   preserves secrets it cannot read (`cloud/deployment/deployment_variable.go` re-sends
 *   `{key, isSecret, value: <as read>}`), so the platform must behave that way.
 * - Saving changed variables restarts the Airflow components; the store counts restarts so tests
 *   can show that a no-op sync costs none.
 */

export interface EmulatedEnvVar {
  readonly key: string;
  /** Stored value; secret ones are kept here but never returned. */
  readonly value?: string;
  readonly isSecret: boolean;
  readonly updatedAt: string;
}

export interface EmulatedDeployment {
  readonly id: string;
  readonly organizationId: string;
  readonly workspaceId: string;
  readonly type: "STANDARD" | "DEDICATED" | "HYBRID";
  /** Every other Deployment attribute, as GetDeployment returns it (name, executor, sizes…). */
  fields: Record<string, unknown>;
  environmentVariables: EmulatedEnvVar[];
  /** UpdateDeployment calls that succeeded. */
  updates: number;
  /** Updates that changed the variables, each of which restarts the scheduler, webserver and workers. */
  restarts: number;
}

export interface SeedDeployment {
  readonly id: string;
  readonly organizationId: string;
  readonly workspaceId?: string;
  readonly type?: "STANDARD" | "DEDICATED" | "HYBRID";
  readonly name?: string;
  readonly environmentVariables?: readonly { key: string; value?: string; isSecret?: boolean }[];
  /** Overrides of the default attributes. */
  readonly fields?: Record<string, unknown>;
}

/** A request the real server would answer with 4xx, raised from inside the store. */
export class AstroRequestError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface EnvVarRequest {
  readonly key: string;
  readonly value?: string;
  readonly isSecret: boolean;
}

/** Request attributes that UpdateDeployment copies onto the Deployment (the rest is read-only). */
const UPDATABLE = [
  "name",
  "description",
  "contactEmails",
  "executor",
  "isCicdEnforced",
  "isDagDeployEnabled",
  "isDevelopmentMode",
  "isHighAvailability",
  "schedulerSize",
  "defaultTaskPodCpu",
  "defaultTaskPodMemory",
  "resourceQuotaCpu",
  "resourceQuotaMemory",
  "workloadIdentity",
  "taskPodNodePoolId",
] as const;

export class AstroDeploymentStore {
  readonly #deployments = new Map<string, EmulatedDeployment>();
  readonly #now: () => string;

  constructor(now: () => string) {
    this.#now = now;
  }

  seed(seed: SeedDeployment): EmulatedDeployment {
    const now = this.#now();
    const type = seed.type ?? "STANDARD";
    const deployment: EmulatedDeployment = {
      id: seed.id,
      organizationId: seed.organizationId,
      workspaceId: seed.workspaceId ?? "ws-emulated",
      type,
      fields: { ...defaultFields(seed, now), ...(seed.fields ?? {}) },
      environmentVariables: (seed.environmentVariables ?? []).map((v) => ({
        key: v.key,
        isSecret: v.isSecret ?? false,
        updatedAt: now,
        ...(v.value === undefined ? {} : { value: v.value }),
      })),
      updates: 0,
      restarts: 0,
    };
    this.#deployments.set(storeKey(seed.organizationId, seed.id), deployment);
    return deployment;
  }

  get(organizationId: string, deploymentId: string): EmulatedDeployment | undefined {
    return this.#deployments.get(storeKey(organizationId, deploymentId));
  }

  /** GetDeployment's body: every attribute, secret values left out. */
  view(deployment: EmulatedDeployment): Record<string, unknown> {
    return {
      ...deployment.fields,
      id: deployment.id,
      organizationId: deployment.organizationId,
      workspaceId: deployment.workspaceId,
      type: deployment.type,
      environmentVariables: deployment.environmentVariables.map((v) => ({
        key: v.key,
        isSecret: v.isSecret,
        updatedAt: v.updatedAt,
        ...(v.isSecret || v.value === undefined ? {} : { value: v.value }),
      })),
    };
  }

  /** UpdateDeployment, after the body passed the spec. */
  update(organizationId: string, deploymentId: string, body: Record<string, unknown>): EmulatedDeployment {
    const deployment = this.get(organizationId, deploymentId);
    if (deployment === undefined) throw new AstroRequestError(404, `Deployment ${deploymentId} not found`);
    if (body.type !== deployment.type) {
      throw new AstroRequestError(
        400,
        `cannot change the type of Deployment ${deploymentId} from ${deployment.type} to ${String(body.type)}`,
      );
    }
    if (body.workspaceId !== deployment.workspaceId) {
      throw new AstroRequestError(400, `workspaceId does not match the Deployment's Workspace`);
    }
    const requested = (body.environmentVariables ?? []) as EnvVarRequest[];
    const seen = new Set<string>();
    for (const v of requested) {
      if (seen.has(v.key)) throw new AstroRequestError(400, `duplicate environment variable key ${v.key}`);
      seen.add(v.key);
    }
    const now = this.#now();
    const previous = new Map(deployment.environmentVariables.map((v) => [v.key, v]));
    const next: EmulatedEnvVar[] = requested.map((v) => {
      const old = previous.get(v.key);
      // The platform keeps an existing secret's value when the request omits it.
      const value = v.value ?? (old?.isSecret === true ? old.value : undefined);
      const unchanged = old !== undefined && old.value === value && old.isSecret === v.isSecret;
      return {
        key: v.key,
        isSecret: v.isSecret,
        updatedAt: unchanged ? old.updatedAt : now,
        ...(value === undefined ? {} : { value }),
      };
    });
    const changed =
      next.length !== deployment.environmentVariables.length ||
      next.some((v) => {
        const old = previous.get(v.key);
        return old === undefined || old.value !== v.value || old.isSecret !== v.isSecret;
      });
    for (const name of UPDATABLE) if (body[name] !== undefined) deployment.fields[name] = body[name];
    deployment.fields.updatedAt = now;
    deployment.environmentVariables = next;
    deployment.updates += 1;
    if (changed) deployment.restarts += 1;
    return deployment;
  }
}

function storeKey(organizationId: string, deploymentId: string): string {
  return `${organizationId}/${deploymentId}`;
}

/** A plausible Standard Deployment: every attribute an UpdateDeployment request must echo. */
function defaultFields(seed: SeedDeployment, now: string): Record<string, unknown> {
  const actor = { id: "emulator-user", subjectType: "USER", username: "emulator@example.com" };
  return {
    name: seed.name ?? seed.id,
    description: "",
    airflowVersion: "2.10.3",
    apiUrl: `https://emulated.astronomer.run/${seed.id}/api/v1`,
    uiUrl: `https://emulated.astronomer.run/${seed.id}`,
    astroRuntimeVersion: "12.5.0",
    runtimeVersion: "12.5.0",
    cloudProvider: "AWS",
    clusterId: "cluster-emulated",
    contactEmails: [],
    createdAt: now,
    createdBy: actor,
    updatedAt: now,
    updatedBy: actor,
    defaultTaskPodCpu: "0.25",
    defaultTaskPodMemory: "0.5Gi",
    resourceQuotaCpu: "10",
    resourceQuotaMemory: "20Gi",
    executor: "CELERY",
    imageRepository: "images.astronomer.cloud/emulated",
    imageTag: "deploy-emulated",
    isCicdEnforced: false,
    isDagDeployEnabled: true,
    isHighAvailability: false,
    isDevelopmentMode: false,
    namespace: `ns-${seed.id}`,
    schedulerCpu: "1",
    schedulerMemory: "2Gi",
    schedulerReplicas: 1,
    schedulerSize: "SMALL",
    status: "HEALTHY",
    webServerAirflowApiUrl: `emulated.astronomer.run/${seed.id}/api/v1`,
    webServerCpu: "0.5",
    webServerIngressHostname: `emulated.astronomer.run/${seed.id}`,
    webServerMemory: "1Gi",
    webServerUrl: `emulated.astronomer.run/${seed.id}`,
    workerQueues: [
      {
        id: `wq-${seed.id}`,
        name: "default",
        isDefault: true,
        astroMachine: "A5",
        maxWorkerCount: 10,
        minWorkerCount: 0,
        workerConcurrency: 5,
        podCpu: "1",
        podMemory: "2Gi",
      },
    ],
  };
}
