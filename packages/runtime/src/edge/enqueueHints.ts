import type { ChangeHint, Logger } from "@afsync/core";
import { type RoutableBinding, routeHints } from "./routeHints.ts";
import type { SyncMessage } from "./SyncMessage.ts";
import type { SyncQueue } from "./SyncQueue.ts";

/** What routing an event needs from a cloud's producer deps (structural: every cloud's fits). */
export interface HintProducerDeps {
  readonly bindings: readonly RoutableBinding[];
  readonly queue: SyncQueue;
  readonly logger: Logger;
}

export interface EnqueueResult {
  readonly enqueued: readonly string[];
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/**
 * Hints → one queue message per affected Deployment (`routeHints`), sent or thrown: the one
 * routing step of every cloud's events, push and webhook functions.
 */
export async function enqueueHints(deps: HintProducerDeps, hints: readonly ChangeHint[], origin: string): Promise<EnqueueResult> {
  const routed = routeHints(hints, deps.bindings);
  const messages: SyncMessage[] = [...routed.byDeployment].map(([deployment, deploymentHints]) => ({
    v: 1,
    deployment,
    trigger: { kind: "hints", hints: deploymentHints },
    origin,
  }));
  await deps.queue.enqueue(messages);
  const enqueued = messages.map((m) => m.deployment);
  deps.logger.log("info", "event routed", { origin, enqueued, ignored: routed.ignored });
  return { enqueued, ignored: routed.ignored };
}
