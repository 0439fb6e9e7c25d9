import type { DeploymentWorkSubscriptions } from "../queue/PubSubWorkSubscriptions.ts";

/**
 * The work subscriptions with their client built on the first call, not at cold start. The
 * generated Subscriber client loads its protos and gRPC stubs when constructed (about a tenth of
 * the worker's cold start), and only a doorbell pulls: a sync message or a refused request never
 * needs it, so an instance pays for it on the first doorbell it serves.
 */
export function lazyWorkSubscriptions(build: () => DeploymentWorkSubscriptions): DeploymentWorkSubscriptions {
  let built: DeploymentWorkSubscriptions | undefined;
  const subscriptions = () => {
    built ??= build();
    return built;
  };
  return {
    pull: (deployment, max) => subscriptions().pull(deployment, max),
    acknowledge: (deployment, ackIds) => subscriptions().acknowledge(deployment, ackIds),
    handBack: (deployment, ackIds) => subscriptions().handBack(deployment, ackIds),
  };
}
