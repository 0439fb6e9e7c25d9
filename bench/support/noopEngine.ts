import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";

/**
 * The engine of the no-op pipeline the event-burst benches compare against: the same handlers and
 * queues, an engine that does nothing and reports every Deployment ok.
 */
export const noopEngine = {
  async sync(bindings: DeploymentBinding[]): Promise<RunReport> {
    const counts = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0, orphaned: 0, invalid: 0, shadowed: 0 };
    return {
      mode: "sync",
      deployments: bindings.map((b) => ({ id: b.id, target: "noop", status: "ok" as const, changes: [], writes: 0 })),
      summary: { ...counts, deployments: bindings.length, failed: 0, writes: 0, reads: 0 },
    };
  },
};
