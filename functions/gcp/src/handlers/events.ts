import { enqueueEvent } from "@afsync/runtime/edge/enqueueEvent";
import type { CloudEvent, CloudEventFunction } from "@google-cloud/functions-framework";
import type { LoadGcpProducerDeps } from "../runtime/GcpFunctionDeps.ts";

/**
 * Eventarc's `google.cloud.pubsub.topic.v1.messagePublished` on the secrets' notification topic →
 * the worker topic. Returning acknowledges; throwing answers 500 and Eventarc redelivers. The
 * CloudEvent id is the Pub/Sub message id, so a redelivery keeps its origin.
 */
export function createEventsFunction(load: LoadGcpProducerDeps): CloudEventFunction<unknown> {
  return async (event: CloudEvent<unknown>) => {
    const deps = await load();
    await enqueueEvent(deps, event, event.id);
  };
}
