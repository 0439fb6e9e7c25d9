import { createSecretsManagerClient } from "@afsync/aws/createAwsClients";
import { sourceFactories } from "@afsync/cli/compose/sourceFactories";
import { type Clock, ConfigError, type Logger, type SecretSource } from "@afsync/core";
import type { RoutableBinding } from "../routing/routeHints.ts";
import { type LoadProducerDeps, once } from "./LambdaDeps.ts";
import { defaultLogger, queueFromEnv, systemClock, webhookSecretOf } from "./lambdaDepsFromEnv.ts";
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
    const sources = new Map<string, SecretSource>();
    for (const s of config.sources) {
      const factory = sourceFactories[s.type];
      if (factory === undefined) throw new ConfigError(`sources.${s.id}.type`, `unknown source type '${s.type}'`);
      sources.set(s.id, await factory.create(s.options, { id: s.id, env: resolvedEnv, configDir, logger }));
    }
    const bindings: RoutableBinding[] = config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    const queue = queueFromEnv(resolvedEnv, env);
    logger.log("info", "cold start: runtime built", { deployments: bindings.map((b) => b.id), sources: [...sources.keys()] });
    return { bindings, queue, logger, clock: options.clock ?? systemClock, webhookSecret: webhookSecretOf(config, resolvedEnv) };
  });
}
