import { RemoteCallError } from "@afsync/core";
import type { components } from "./generated/astroApiV1Deployments.ts";

type Schemas = components["schemas"];
export type DeploymentV1 = Schemas["Deployment"];
export type EnvVarRequestV1 = Schemas["DeploymentEnvironmentVariableRequest"];
export type UpdateDeploymentRequestV1 = Schemas["UpdateDeploymentRequest"];

/**
 * The Astro API v1 UpdateDeployment body, rebuilt from a fresh GetDeployment with only the
 * variables changed, as astro-cli's `deployment.Update` does with its v1 client
 * (`cloud/deployment/deployment.go`). `environmentVariables` is still required and still
 * replaces the whole list. What changed from v1beta1:
 *
 * - the task-pod and quota sizes are optional (required only without Remote Execution), so they
 *   are echoed when the GET has them and otherwise left out;
 * - `remoteExecution` is echoed, as astro-cli does, so the update does not switch it off;
 * - worker queues take one shape (`UpdateWorkerQueueRequest`) for every Deployment type;
 * - the Deployment carries only `effectiveWorkloadIdentity`, and astro-cli sends
 *   `workloadIdentity` only when the user asks for a new one, so it is left out (kept as is).
 */
export function updateRequestForV1(deployment: DeploymentV1, environmentVariables: EnvVarRequestV1[]): UpdateDeploymentRequestV1 {
  const common = {
    name: deployment.name,
    workspaceId: deployment.workspaceId,
    isCicdEnforced: deployment.isCicdEnforced,
    isDagDeployEnabled: deployment.isDagDeployEnabled,
    environmentVariables,
    ...(deployment.description === undefined ? {} : { description: deployment.description }),
    ...(deployment.contactEmails === undefined ? {} : { contactEmails: deployment.contactEmails }),
    ...workerQueues(deployment.workerQueues),
  };
  const type = deployment.type;
  if (type === "HYBRID") {
    const executor = required(deployment, "executor");
    if (executor === "ASTRO") {
      throw new RemoteCallError(`Deployment ${deployment.id} is a Hybrid Deployment with the ASTRO executor, which v1 cannot update`, {
        errorClass: "user",
      });
    }
    const hybrid: Schemas["UpdateHybridDeploymentRequest"] = {
      ...common,
      type,
      executor,
      scheduler: { au: required(deployment, "schedulerAu"), replicas: deployment.schedulerReplicas },
      ...(deployment.taskPodNodePoolId === undefined ? {} : { taskPodNodePoolId: deployment.taskPodNodePoolId }),
    };
    return hybrid;
  }
  if (type !== "STANDARD" && type !== "DEDICATED") {
    throw new RemoteCallError(`Deployment ${deployment.id} has no type afsync can update (${String(type)})`, { errorClass: "user" });
  }
  const remote = deployment.remoteExecution;
  const hosted = {
    ...common,
    executor: required(deployment, "executor"),
    isHighAvailability: deployment.isHighAvailability ?? false,
    schedulerSize: required(deployment, "schedulerSize"),
    ...optional(deployment, "defaultTaskPodCpu"),
    ...optional(deployment, "defaultTaskPodMemory"),
    ...optional(deployment, "resourceQuotaCpu"),
    ...optional(deployment, "resourceQuotaMemory"),
    ...optional(deployment, "isDevelopmentMode"),
    ...(remote === undefined
      ? {}
      : {
          remoteExecution: {
            enabled: remote.enabled,
            allowedIpAddressRanges: remote.allowedIpAddressRanges,
            ...(remote.taskLogBucket === undefined ? {} : { taskLogBucket: remote.taskLogBucket }),
            ...(remote.taskLogUrlPattern === undefined ? {} : { taskLogUrlPattern: remote.taskLogUrlPattern }),
          },
        }),
    ...scalingSpec(deployment.scalingSpec),
  };
  // Both hosted variants have the same fields; the spec's discriminator tells them apart by `type`.
  if (type === "DEDICATED") return { ...hosted, type } satisfies Schemas["UpdateDedicatedDeploymentRequest"];
  return { ...hosted, type } satisfies Schemas["UpdateStandardDeploymentRequest"];
}

function required<K extends keyof DeploymentV1>(deployment: DeploymentV1, field: K): NonNullable<DeploymentV1[K]> {
  const value = deployment[field];
  if (value === undefined || value === null) {
    throw new RemoteCallError(
      `Deployment ${deployment.id} was read without '${String(field)}', which UpdateDeployment requires; the API token may lack permission to see it`,
      { errorClass: "user" },
    );
  }
  return value as NonNullable<DeploymentV1[K]>;
}

function optional<K extends keyof DeploymentV1>(deployment: DeploymentV1, field: K): Partial<Pick<DeploymentV1, K>> {
  const value = deployment[field];
  return value === undefined ? {} : ({ [field]: value } as Partial<Pick<DeploymentV1, K>>);
}

type QueueRequest = Schemas["UpdateWorkerQueueRequest"];

/** Every queue is echoed with its id, so none is recreated or reset. */
function workerQueues(queues: DeploymentV1["workerQueues"]): { workerQueues?: QueueRequest[] } {
  if (queues === undefined || queues.length === 0) return {};
  const out: QueueRequest[] = [];
  for (const q of queues) {
    const machine = q.astroMachine as QueueRequest["astroMachine"];
    out.push({
      id: q.id,
      name: q.name,
      isDefault: q.isDefault,
      maxWorkerCount: q.maxWorkerCount,
      minWorkerCount: q.minWorkerCount,
      workerConcurrency: q.workerConcurrency,
      ...(machine === undefined ? {} : { astroMachine: machine }),
      ...(q.nodePoolId === undefined ? {} : { nodePoolId: q.nodePoolId }),
      ...(q.podEphemeralStorage === undefined ? {} : { podEphemeralStorage: q.podEphemeralStorage }),
    });
  }
  return { workerQueues: out };
}

/** Hibernation schedules and override, so an env var change does not switch hibernation off. */
function scalingSpec(spec: DeploymentV1["scalingSpec"]): { scalingSpec?: Schemas["DeploymentScalingSpecRequest"] } {
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
