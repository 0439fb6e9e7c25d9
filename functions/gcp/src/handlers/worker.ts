import { runWorkerBatch } from "@afsync/runtime/worker/runWorkerBatch";
import type { HttpFunction, Request, Response } from "@google-cloud/functions-framework";
import type { LoadGcpWorkerDeps } from "../runtime/GcpFunctionDeps.ts";
import { refuseUnverifiedToken } from "./refuseUnverifiedToken.ts";

/**
 * The ordered push subscription of the worker topic → the runtime's batch loop, one message per
 * request (Pub/Sub holds the Deployment's next message until this one is acknowledged). 204
 * acknowledges; 500 nacks, so Pub/Sub redelivers it, then dead-letters it after the policy's
 * attempts. A body that is not a push delivery did not come from the subscription: 400.
 */
export function createWorkerFunction(load: LoadGcpWorkerDeps): HttpFunction {
  return async (req: Request, res: Response) => {
    const deps = await load();
    if (await refuseUnverifiedToken(req, res, deps.verifyToken, deps.logger)) return;
    const record = pushedRecordOf(req.body);
    if (typeof record === "string") {
      deps.logger.log("error", "worker request is not a Pub/Sub push", { reason: record });
      res.status(400).json({ error: record });
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

/**
 * The queue record inside a push body `{message: {data, messageId}, subscription}`, or what is
 * missing. The data's decoding and schema are the batch loop's (a bad message is nacked there).
 */
function pushedRecordOf(body: unknown): { messageId: string; body: string } | string {
  if (typeof body !== "object" || body === null || !("message" in body)) return 'body: expected a push body {"message", "subscription"}';
  const message = body.message;
  if (typeof message !== "object" || message === null) return "body.message: expected an object";
  const data = "data" in message ? message.data : undefined;
  if (typeof data !== "string") return "body.message.data: expected the base64 sync message";
  const id = "messageId" in message ? message.messageId : "message_id" in message ? message.message_id : undefined;
  return { messageId: typeof id === "string" ? id : "", body: Buffer.from(data, "base64").toString("utf8") };
}
