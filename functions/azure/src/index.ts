import { app } from "@azure/functions";
import { createEventGridHttpHandler } from "./handlers/eventGridHttp.ts";
import { createEventGridTriggerHandler } from "./handlers/eventGridTrigger.ts";
import { createQueueWorkerHandler } from "./handlers/queueWorker.ts";
import { createReconcileTimerHandler } from "./handlers/reconcileTimer.ts";
import { createWebhookHttpHandler } from "./handlers/webhookHttp.ts";
import { QUEUE_NAME_ENV, STORAGE_CONNECTION } from "./runtime/appSettings.ts";
import { lazyFunctionDeps, lazyProducerDeps } from "./runtime/lazyFunctionDeps.ts";

/**
 * The function app (Azure Functions v4 programming model): the entry point `npm run package:azure`
 * bundles. The edge functions share one producer root per instance and the worker has the full
 * one, each imported and built on first use (`lazyFunctionDeps`). Outside the Functions host
 * `app.*` only logs that it skips registration, so importing this file is harmless.
 *
 * Binding expressions (`%NAME%`) read app settings, so the Bicep template sets the queue name and
 * the schedule without a rebuild.
 */
const produce = lazyProducerDeps(process.env);

app.eventGrid("keyVaultEvents", { handler: createEventGridTriggerHandler(produce) });

app.http("eventGridWebhook", {
  route: "eventgrid",
  methods: ["POST", "OPTIONS"],
  // afsync checks the delivery key itself (constant time), so the host lets the handshakes through.
  authLevel: "anonymous",
  handler: createEventGridHttpHandler(produce),
});

app.http("genericWebhook", {
  route: "hooks/generic",
  methods: ["POST"],
  authLevel: "anonymous", // signed with X-Afsync-Signature
  handler: createWebhookHttpHandler(produce),
});

app.timer("reconcile", { schedule: "%AFSYNC_RECONCILE_SCHEDULE%", handler: createReconcileTimerHandler(produce) });

app.storageQueue("worker", {
  queueName: `%${QUEUE_NAME_ENV}%`,
  connection: STORAGE_CONNECTION,
  handler: createQueueWorkerHandler(lazyFunctionDeps(process.env)),
});
