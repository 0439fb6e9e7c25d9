import type { ChangeHint } from "@afsync/core";
import type { Trigger } from "@afsync/core/engine/Trigger";
import { coalesceHints } from "./coalesceHints.ts";

/**
 * The one coalescer: what arrived for a Deployment while it waited (serve's next run, one SQS /
 * Service Bus / Pub/Sub batch of a cloud worker) becomes one trigger, so a burst is one plan and
 * one write. A full reconciliation absorbs every hint (it re-reads everything anyway); otherwise
 * the hints fold per secret (`coalesceHints`: one rotation's six events become one re-read).
 */
export function coalesceTriggers(triggers: readonly Trigger[]): Trigger {
  if (triggers.some((t) => t.kind === "full")) return { kind: "full" };
  const hints: ChangeHint[] = triggers.flatMap((t) => (t.kind === "hints" ? t.hints : []));
  return { kind: "hints", hints: coalesceHints(hints) };
}
