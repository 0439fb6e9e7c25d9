import { buildSourceNamings } from "@afsync/runtime/compose/buildSourceNamings";
import { once } from "@afsync/runtime/compose/once";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import { type ColdStartOptions, coldStart } from "./coldStart.ts";
import type { LoadProducerDeps } from "./LambdaDeps.ts";
import { sqsQueuesFor } from "./sqsQueuesFor.ts";

/**
 * The composition root of the events, webhook, reconcile and coalesce functions: env → the
 * secrets this function maps (the webhook's signing secret; none for the others) → config → the
 * sources' naming rules → queue.
 *
 * Routing needs only which Deployment reads which source and how each names its secrets, so this
 * builds no target, no engine and no source client (`buildSourceNamings`): it never reads the
 * HMAC key or a target credential, never loads the Secrets Manager or SSM SDK, and each of these
 * functions' IAM role grants no Secrets Manager, SSM or KMS access beyond what its own
 * AFSYNC_ENV_FROM_SECRETS maps (iam-from-config.cjs derives both).
 */
export function producerDepsFromEnv(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadProducerDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const sources = await buildSourceNamings(start.config, { env: start.resolvedEnv, configDir: start.configDir, logger: start.logger });
    const bindings: RoutableBinding[] = start.config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    start.logger.log("info", "cold start: routing built", { deployments: bindings.map((b) => b.id), sources: [...sources.keys()] });
    // Built now, not on the first send: every invocation that routes an event sends.
    const { queue, hintQueue } = sqsQueuesFor(start.queueUrls, env);
    return { ...start.deps, queue, hintQueue: hintQueue ?? queue, bindings };
  });
}
