import { createHash } from "node:crypto";
import type { ChangeHint } from "@afsync/core";
import { enqueueEvent } from "@afsync/runtime/edge/enqueueEvent";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import type { LoadProducerDeps } from "../runtime/LambdaDeps.ts";
import { lazyProducerDeps } from "../runtime/lazyDeps.ts";

export interface EventsResult {
  readonly eventId: string;
  readonly enqueued: readonly string[];
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * EventBridge → hints (the parser registry picks the AWS parser by shape) → one message per
 * affected Deployment on the hint queue, which the coalesce function drains with a batching window
 * into one FIFO message per Deployment (or straight on the FIFO queue when there is no hint queue:
 * the dedup id then derives from the EventBridge event id, so a redelivered event collapses). The
 * worker re-reads the source, so an event that arrives late, twice or out of order still
 * converges on the current value.
 */
export function createEventsHandler(
  load: LoadProducerDeps,
  parse: (event: unknown) => ChangeHint[] = (event) => eventParsers.parse(event),
) {
  return async (event: unknown): Promise<EventsResult> => {
    const deps = await load();
    const eventId = eventIdOf(event);
    return { eventId, ...(await enqueueEvent({ ...deps, queue: deps.hintQueue }, event, eventId, parse)) };
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
