import * as functions from "@google-cloud/functions-framework";
import { createEventsFunction } from "./handlers/events.ts";
import { createPushFunction } from "./handlers/push.ts";
import { createReconcileFunction } from "./handlers/reconcile.ts";
import { createWorkerFunction } from "./handlers/worker.ts";
import type { LoadGcpProducerDeps, LoadGcpWorkerDeps } from "./runtime/GcpFunctionDeps.ts";

/** The entry points (`gcloud functions deploy --entry-point`, Terraform's `entry_point`). */
export const GCP_FUNCTIONS = { events: "events", push: "push", reconcile: "reconcile", worker: "worker" } as const;

/** Registers the four functions with the framework; each deployment of the bundle runs one. */
export function registerGcpFunctions(producer: LoadGcpProducerDeps, worker: LoadGcpWorkerDeps): void {
  functions.cloudEvent(GCP_FUNCTIONS.events, createEventsFunction(producer));
  functions.http(GCP_FUNCTIONS.push, createPushFunction(producer));
  functions.http(GCP_FUNCTIONS.reconcile, createReconcileFunction(producer));
  functions.http(GCP_FUNCTIONS.worker, createWorkerFunction(worker));
}
