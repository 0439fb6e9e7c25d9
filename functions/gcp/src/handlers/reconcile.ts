import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { LoadGcpProducerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/**
 * Cloud Scheduler (with an OIDC token) → one `full` message per Deployment on the worker topic,
 * rather than syncing here: a reconciliation then never overlaps an event-driven write to the
 * same Deployment (same ordering key), and one slow Deployment cannot time this function out.
 */
export function createReconcileFunction(load: LoadGcpProducerDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    const deps = await load();
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    // Scheduler names the firing it runs; a manual call gets the clock.
    const firing = req.get("x-cloudscheduler-scheduletime") ?? deps.clock.now().toISOString();
    const messages: SyncMessage[] = deps.bindings.map((binding) => ({
      v: 1,
      deployment: binding.id,
      trigger: { kind: "full" },
      origin: `schedule:${firing}`,
    }));
    await deps.queue.enqueue(messages);
    const enqueued = messages.map((m) => m.deployment);
    deps.logger.log("info", "reconciliation enqueued", { firing, deployments: enqueued });
    res.status(202).json({ enqueued });
  };
}
