import { createHash } from "node:crypto";
import { AfsyncError, type ChangeHint } from "@afsync/core";
import { routeHints } from "@afsync/runtime/edge/routeHints";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import type { LoadProducerDeps } from "../runtime/LambdaDeps.ts";
import { lazyProducerDeps } from "../runtime/lazyDeps.ts";

export interface EventsResult {
  readonly eventId: string;
  readonly enqueued: readonly string[];
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * EventBridge → hints (the parser registry picks the AWS parser by shape) → one FIFO message per affected Deployment. The dedup id derives from the
 * EventBridge event id, so a redelivered event collapses in SQS; the worker then re-reads the
 * source, so an event that arrives late or out of order still converges on the current value.
 */
export function createEventsHandler(
  load: LoadProducerDeps,
  parse: (event: unknown) => ChangeHint[] = (event) => eventParsers.parse(event),
) {
  return async (event: unknown): Promise<EventsResult> => {
    const deps = await load();
    const eventId = eventIdOf(event);
    let hints: ChangeHint[];
    try {
      hints = parse(event);
    } catch (error) {
      // A malformed event will not parse on retry either: report it and let EventBridge move on.
      if (error instanceof AfsyncError && error.errorClass === "user") {
        deps.logger.log("warn", "event ignored: it does not parse", { eventId, error });
        return { eventId, enqueued: [], ignored: [{ secretId: "", reason: error.message }] };
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
    deps.logger.log("info", "event routed", { eventId, enqueued: messages.map((m) => m.deployment), ignored: routed.ignored });
    return { eventId, enqueued: messages.map((m) => m.deployment), ignored: routed.ignored };
  };
}

function eventIdOf(event: unknown): string {
  if (typeof event === "object" && event !== null && "id" in event && typeof event.id === "string" && event.id !== "") return event.id;
  // Hand-made invocations may lack an id; the body's hash keeps distinct events distinct.
  return `sha256-${createHash("sha256")
    .update(JSON.stringify(event) ?? "")
    .digest("hex")
    .slice(0, 32)}`;
}

export const handler = createEventsHandler(lazyProducerDeps(process.env));
