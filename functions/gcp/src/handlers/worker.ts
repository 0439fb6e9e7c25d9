import { AfsyncError } from "@afsync/core";
import { pubSubMessageOf } from "@afsync/gcp/events/pubSubDelivery";
import { runWorkerBatch } from "@afsync/runtime/worker/runWorkerBatch";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { LoadGcpWorkerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/**
 * The ordered push subscription of the worker topic → the runtime's batch loop, one message per
 * request (Pub/Sub holds the Deployment's next message until this one is acknowledged). 204
 * acknowledges; 500 nacks, so Pub/Sub redelivers it, then dead-letters it after the policy's
 * attempts. A body that is not a push delivery is refused with 400: nothing to redeliver.
 */
export function createWorkerFunction(load: LoadGcpWorkerDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    const deps = await load();
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    let record: { messageId: string; body: string };
    try {
      const message = pubSubMessageOf(req.body, "body");
      record = { messageId: message.messageId ?? "", body: Buffer.from(message.data ?? "", "base64").toString("utf8") };
    } catch (error) {
      if (!(error instanceof AfsyncError)) throw error;
      deps.logger.log("error", "worker request is not a Pub/Sub push", { reason: error.message });
      res.status(400).json({ error: error.message });
      return;
    }
    const failures = await runWorkerBatch([record], deps);
    if (failures.length > 0) {
      res.status(500).json({ error: "sync failed; Pub/Sub will redeliver", messageId: record.messageId });
      return;
    }
    res.status(204).end();
  };
}
