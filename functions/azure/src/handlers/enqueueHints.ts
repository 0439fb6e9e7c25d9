import type { ChangeHint } from "@afsync/core";
import { routeHints } from "@afsync/runtime/edge/routeHints";
import type { SyncMessage } from "@afsync/runtime/edge/SyncMessage";
import type { ProducerDeps } from "../runtime/FunctionDeps.ts";

export interface EnqueueResult {
  readonly enqueued: readonly string[];
  readonly ignored: readonly { readonly secretId: string; readonly reason: string }[];
}

/** Hints → one queue message per affected Deployment (the runtime's routing), sent or thrown. */
export async function enqueueHints(deps: ProducerDeps, hints: readonly ChangeHint[], origin: string): Promise<EnqueueResult> {
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
