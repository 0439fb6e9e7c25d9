import type { Connection } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { createTestHasher, FixedClock, InMemoryDeploymentTarget, InMemorySecretSource, InMemoryStateStore } from "@afsync/testing";

export const PASSWORD = "engine-s3cret-Pw";
export const ROTATED = "engine-r0tated-Pw";

export function pg(password: string = PASSWORD, host = "db.internal"): Connection {
  return { conn_type: "postgres", host, login: "app", password, schema: "app", port: 5432, extra: null };
}

/** One source, one target, one Deployment, and an engine over in-memory state. */
export function setup(overrides: Partial<DeploymentBinding> = {}, target = new InMemoryDeploymentTarget()) {
  const source = new InMemorySecretSource("team", { batchSize: 10 });
  const state = new InMemoryStateStore();
  const clock = new FixedClock();
  const engine = new SyncEngine({ clock, hasher: createTestHasher(), logger: { log() {} }, state });
  const binding: DeploymentBinding = {
    id: "dev",
    target,
    sources: [source],
    deletion: "retain",
    adopt: false,
    include: ["*"],
    exclude: [],
    ...overrides,
  };
  return { source, target, state, clock, engine, binding };
}

export function actions(
  report: { deployments: readonly { changes: readonly { key: string; action: string }[] }[] },
  index = 0,
): Record<string, string> {
  return Object.fromEntries((report.deployments[index]?.changes ?? []).map((c) => [c.key, c.action]));
}
