import { RemoteCallError } from "@afsync/core";
import type { components } from "./generated/astroPlatformV1beta1.ts";

type Schemas = components["schemas"];
export type Deployment = Schemas["Deployment"];
export type EnvVarRequest = Schemas["DeploymentEnvironmentVariableRequest"];
export type UpdateDeploymentRequest = Schemas["UpdateDeploymentRequest"];

/**
 * UpdateDeployment has no partial form: every required attribute of the Deployment's variant
 * must be sent again, and `environmentVariables` replaces the whole list. So the request is
 * rebuilt from a fresh GetDeployment, exactly as astro-cli's `deployment.Update` does, with only
 * the variables changed. A required attribute missing from the GET (tokens whose role cannot
 * see it get a trimmed Deployment) stops the write with a clear error rather than guessing.
 */
export function updateRequestFor(deployment: Deployment, environmentVariables: EnvVarRequest[]): UpdateDeploymentRequest {
  const common = {
    name: deployment.name,
    workspaceId: deployment.workspaceId,
    isCicdEnforced: deployment.isCicdEnforced,
    isDagDeployEnabled: deployment.isDagDeployEnabled,
    environmentVariables,
    ...(deployment.description === undefined ? {} : { description: deployment.description }),
    ...(deployment.contactEmails === undefined ? {} : { contactEmails: deployment.contactEmails }),
    ...(deployment.workloadIdentity === undefined ? {} : { workloadIdentity: deployment.workloadIdentity }),
  };
  const type = deployment.type;
  if (type === "HYBRID") {
    const hybrid: Schemas["UpdateHybridDeploymentRequest"] = {
      ...common,
      type,
      executor: required(deployment, "executor"),
      scheduler: { au: required(deployment, "schedulerAu"), replicas: deployment.schedulerReplicas },
      ...(deployment.taskPodNodePoolId === undefined ? {} : { taskPodNodePoolId: deployment.taskPodNodePoolId }),
      ...hybridQueues(deployment.workerQueues),
    };
    return hybrid;
  }
  if (type !== "STANDARD" && type !== "DEDICATED") {
    throw new RemoteCallError(`Deployment ${deployment.id} has no type afsync can update (${String(type)})`, { errorClass: "user" });
  }
  const hosted: Schemas["UpdateStandardDeploymentRequest"] = {
    ...common,
    type,
    executor: required(deployment, "executor"),
    isHighAvailability: deployment.isHighAvailability ?? false,
    schedulerSize: required(deployment, "schedulerSize"),
    defaultTaskPodCpu: required(deployment, "defaultTaskPodCpu"),
    defaultTaskPodMemory: required(deployment, "defaultTaskPodMemory"),
    resourceQuotaCpu: required(deployment, "resourceQuotaCpu"),
    resourceQuotaMemory: required(deployment, "resourceQuotaMemory"),
    ...(deployment.isDevelopmentMode === undefined ? {} : { isDevelopmentMode: deployment.isDevelopmentMode }),
    ...hostedQueues(deployment.workerQueues),
    ...scalingSpec(deployment.scalingSpec),
  };
  return hosted;
}

function required<K extends keyof Deployment>(deployment: Deployment, field: K): NonNullable<Deployment[K]> {
  const value = deployment[field];
  if (value === undefined || value === null) {
    throw new RemoteCallError(
      `Deployment ${deployment.id} was read without '${String(field)}', which UpdateDeployment requires; the API token may lack permission to see it`,
      { errorClass: "user" },
    );
  }
  return value as NonNullable<Deployment[K]>;
}

/** Queues are echoed only when each maps cleanly; a queue that cannot be rebuilt is better left unsent than sent wrong. */
function hostedQueues(queues: Deployment["workerQueues"]): { workerQueues?: Schemas["WorkerQueueRequest"][] } {
  if (queues === undefined || queues.length === 0) return {};
  const out: Schemas["WorkerQueueRequest"][] = [];
  for (const q of queues) {
    const machine = q.astroMachine as Schemas["WorkerQueueRequest"]["astroMachine"] | undefined;
    if (machine === undefined) return {};
    out.push({
      id: q.id,
      name: q.name,
      isDefault: q.isDefault,
      astroMachine: machine,
      maxWorkerCount: q.maxWorkerCount,
      minWorkerCount: q.minWorkerCount,
      workerConcurrency: q.workerConcurrency,
    });
  }
  return { workerQueues: out };
}

function hybridQueues(queues: Deployment["workerQueues"]): { workerQueues?: Schemas["HybridWorkerQueueRequest"][] } {
  if (queues === undefined || queues.length === 0) return {};
  const out: Schemas["HybridWorkerQueueRequest"][] = [];
  for (const q of queues) {
    if (q.nodePoolId === undefined) return {};
    out.push({
      id: q.id,
      name: q.name,
      isDefault: q.isDefault,
      nodePoolId: q.nodePoolId,
      maxWorkerCount: q.maxWorkerCount,
      minWorkerCount: q.minWorkerCount,
      workerConcurrency: q.workerConcurrency,
    });
  }
  return { workerQueues: out };
}

/** Hibernation schedules and override, so an env var change does not switch hibernation off. */
function scalingSpec(spec: Deployment["scalingSpec"]): { scalingSpec?: Schemas["DeploymentScalingSpecRequest"] } {
  const hibernation = spec?.hibernationSpec;
  if (hibernation === undefined) return {};
  const override = hibernation.override;
  return {
    scalingSpec: {
      hibernationSpec: {
        ...(hibernation.schedules === undefined ? {} : { schedules: hibernation.schedules }),
        ...(override === undefined
          ? {}
          : {
              override: {
                ...(override.isHibernating === undefined ? {} : { isHibernating: override.isHibernating }),
                ...(override.overrideUntil === undefined ? {} : { overrideUntil: override.overrideUntil }),
              },
            }),
      },
    },
  };
}
