import { createSecretsManagerClient } from "@afsync/aws/createAwsClient";
import type { Clock, Logger } from "@afsync/core";
import { buildSources } from "@afsync/runtime/compose/buildSources";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import { type LoadProducerDeps, once } from "./LambdaDeps.ts";
import { defaultLogger, queueFromEnv, webhookSecretOf } from "./lambdaDepsFromEnv.ts";
import { loadLambdaConfig } from "./loadLambdaConfig.ts";
import { resolveSecretEnv } from "./resolveSecretEnv.ts";

/**
 * The composition root of the events, webhook and reconcile functions: env → the secrets this
 * function maps (the webhook's signing secret; none for the others) → config → sources → queue.
 *
 * Routing needs only which Deployment reads which source, so this builds no target and no
 * engine: it never reads the HMAC key or a target credential, and each of these functions' IAM
 * role grants no Secrets Manager, SSM or KMS access beyond what its own AFSYNC_ENV_FROM_SECRETS
 * maps (iam-from-config.cjs derives both). Building a source reads nothing from the provider.
 */
export function producerDepsFromEnv(env: NodeJS.ProcessEnv, options: { logger?: Logger; clock?: Clock } = {}): LoadProducerDeps {
  return once(async () => {
    const logger = options.logger ?? defaultLogger(env);
    const resolvedEnv = await resolveSecretEnv(env, () => createSecretsManagerClient({}, env));
    const { config, configDir } = await loadLambdaConfig(resolvedEnv);
    const sources = await buildSources(config, { env: resolvedEnv, configDir, logger });
    const bindings: RoutableBinding[] = config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    const queue = queueFromEnv(resolvedEnv, env);
    logger.log("info", "cold start: runtime built", { deployments: bindings.map((b) => b.id), sources: [...sources.keys()] });
    return { bindings, queue, logger, clock: options.clock ?? systemClock, webhookSecret: webhookSecretOf(config, resolvedEnv) };
  });
}
