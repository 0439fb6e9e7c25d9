import { buildSources } from "@afsync/runtime/compose/buildSources";
import { once } from "@afsync/runtime/compose/once";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import type { LoadProducerDeps } from "./LambdaDeps.ts";
import { type ColdStartOptions, coldStart } from "./lambdaDepsFromEnv.ts";

/**
 * The composition root of the events, webhook and reconcile functions: env → the secrets this
 * function maps (the webhook's signing secret; none for the others) → config → sources → queue.
 *
 * Routing needs only which Deployment reads which source, so this builds no target and no
 * engine: it never reads the HMAC key or a target credential, and each of these functions' IAM
 * role grants no Secrets Manager, SSM or KMS access beyond what its own AFSYNC_ENV_FROM_SECRETS
 * maps (iam-from-config.cjs derives both). Building a source reads nothing from the provider.
 */
export function producerDepsFromEnv(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadProducerDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const sources = await buildSources(start.config, { env: start.resolvedEnv, configDir: start.configDir, logger: start.logger });
    const bindings: RoutableBinding[] = start.config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    start.logger.log("info", "cold start: runtime built", { deployments: bindings.map((b) => b.id), sources: [...sources.keys()] });
    return { ...start.deps, bindings };
  });
}
