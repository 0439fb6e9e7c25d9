import type { SecretSource } from "@afsync/core";
import type { DeletionPolicy } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import { SyncEngine } from "@afsync/core/engine/SyncEngine";
import { FULL_RECONCILIATION } from "@afsync/core/engine/Trigger";
import { createTestHasher } from "./createTestHasher.ts";
import { FixedClock } from "./FixedClock.ts";
import { InMemoryDeploymentTarget } from "./InMemoryDeploymentTarget.ts";
import { InMemoryStateStore } from "./InMemoryStateStore.ts";

/**
 * One Deployment reading one real source into an in-memory target, with state kept between
 * syncs: what a source's end-to-end test needs to ask "what does the target hold after the next
 * full sync?" (`sync`) about one variable (`held`).
 */
export function syncOneSource(
  source: SecretSource,
  deletion: DeletionPolicy,
): { sync(): Promise<RunReport>; held(variable: string): string | undefined; target: InMemoryDeploymentTarget } {
  const target = new InMemoryDeploymentTarget();
  const engine = new SyncEngine({
    clock: new FixedClock(),
    hasher: createTestHasher(),
    logger: { log() {} },
    state: new InMemoryStateStore(),
  });
  return {
    target,
    sync: () =>
      engine.sync([{ id: "prod", target, sources: [source], deletion, adopt: false, include: ["*"], exclude: [] }], FULL_RECONCILIATION),
    held: (variable) => {
      const v = target.values.get(`var:${variable}`);
      return v?.kind === "variable" ? v.value : undefined;
    },
  };
}
