import { AfsyncError, type ChangeHint } from "@afsync/core";
import { eventParsers } from "../events/eventParsers.ts";
import { type EnqueueResult, enqueueHints, type HintProducerDeps } from "./enqueueHints.ts";

/**
 * A provider's change event (EventBridge, a Pub/Sub notification…) → hints (the parser registry
 * picks the parser by shape) → one message per affected Deployment, with origin `event:<id>`.
 * An event that does not parse is reported and acknowledged: it will not parse on redelivery
 * either. A failed enqueue throws, so the cloud redelivers the event.
 */
export async function enqueueEvent(
  deps: HintProducerDeps,
  event: unknown,
  eventId: string,
  parse: (event: unknown) => ChangeHint[] = (e) => eventParsers.parse(e),
): Promise<EnqueueResult> {
  let hints: ChangeHint[];
  try {
    hints = parse(event);
  } catch (error) {
    if (error instanceof AfsyncError && error.errorClass === "user") {
      deps.logger.log("warn", "event ignored: it does not parse", { eventId, error });
      return { enqueued: [], ignored: [{ secretId: "", reason: error.message }] };
    }
    throw error;
  }
  return enqueueHints(deps, hints, `event:${eventId}`);
}
