import { AfsyncError, type ChangeHint } from "@afsync/core";
import { type EnqueueResult, enqueueHints } from "@afsync/runtime/edge/enqueueHints";
import { eventParsers } from "@afsync/runtime/events/eventParsers";
import type { InvocationContext } from "@azure/functions";
import type { LoadProducerDeps } from "../runtime/FunctionDeps.ts";

/**
 * The Event Grid trigger: the host has already answered the subscription handshake and checked
 * the system key (the `eventgrid_extension` key on the subscription's endpoint URL) and hands over
 * one event. It becomes hints (the parser registry picks the Key Vault parser by shape) and one
 * queue message per affected Deployment. Throwing makes the host fail the delivery, so Event Grid
 * retries it; an event afsync cannot read is reported and dropped instead, as a retry cannot help.
 */
export function createEventGridTriggerHandler(
  load: LoadProducerDeps,
  parse: (event: unknown) => ChangeHint[] = (event) => eventParsers.parse(event),
) {
  return async (event: unknown, context: InvocationContext): Promise<EnqueueResult> => {
    const deps = await load();
    const eventId = idOf(event) ?? context.invocationId;
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
  };
}

function idOf(event: unknown): string | undefined {
  if (typeof event === "object" && event !== null && "id" in event && typeof event.id === "string" && event.id !== "") return event.id;
  return undefined;
}
