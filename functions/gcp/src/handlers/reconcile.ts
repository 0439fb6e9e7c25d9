import { fanOutReconcile } from "@afsync/runtime/fanout/fanOutReconcile";
import { enqueueEveryDeployment } from "@afsync/runtime/fanout/ReconcileSetup";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { LoadGcpProducerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/**
 * Cloud Scheduler (with an OIDC token) → a `full` message (and its doorbell) on the worker topics
 * for each Deployment whose snapshot changed, whose last fan-out the worker did not confirm, or
 * that is due `reconcile.full_every` (`fanOutReconcile`: Secret Manager lists no versions, so each
 * source is read once for all the Deployments and reduced to keyed hashes; the ledger is an
 * object per Deployment in Cloud Storage), rather than syncing here: a reconciliation then never
 * overlaps an event-driven write to the same Deployment (same ordering key), and one slow
 * Deployment cannot time this function out.
 */
export function createReconcileFunction(load: LoadGcpProducerDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    const deps = await load();
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    // Scheduler names the firing it runs; a manual call gets the clock.
    const firing = req.get("x-cloudscheduler-scheduletime") ?? deps.clock.now().toISOString();
    const setup = deps.reconcile ?? enqueueEveryDeployment(deps.bindings);
    const { enqueued } = await fanOutReconcile({ ...setup, queue: deps.queue, logger: deps.logger, clock: deps.clock }, firing);
    res.status(202).json({ enqueued });
  };
}
