import { AfsyncError, type ChangeHint } from "@afsync/core";
import { routeHints } from "@afsync/runtime/edge/routeHints";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import type { GcpProducerDeps } from "../runtime/GcpFunctionDeps.ts";

export interface RoutedNotification {
  readonly enqueued: readonly string[];
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * A Secret Manager notification (push body or messagePublished CloudEvent) → hints (the parser
 * registry picks the GCP parser by shape) → one message per affected Deployment on the worker
 * topic. A notification that does not parse is reported and acknowledged: it will not parse on
 * redelivery either. A failed publish throws, so Pub/Sub or Eventarc redelivers the notification.
 */
export async function routeNotification(deps: GcpProducerDeps, event: unknown, eventId: string): Promise<RoutedNotification> {
  let hints: ChangeHint[];
  try {
    hints = eventParsers.parse(event);
  } catch (error) {
    if (error instanceof AfsyncError && error.errorClass === "user") {
      deps.logger.log("warn", "notification ignored: it does not parse", { eventId, error });
      return { enqueued: [], ignored: [{ secretId: "", reason: error.message }] };
    }
    throw error;
  }
  const routed = routeHints(hints, deps.bindings);
  const messages: SyncMessage[] = [...routed.byDeployment].map(([deployment, deploymentHints]) => ({
    v: 1,
    deployment,
    trigger: { kind: "hints", hints: deploymentHints },
    origin: `event:${eventId}`,
  }));
  await deps.queue.enqueue(messages);
  const enqueued = messages.map((m) => m.deployment);
  deps.logger.log("info", "notification routed", { eventId, enqueued, ignored: routed.ignored });
  return { enqueued, ignored: routed.ignored };
}
