import { buildSources } from "@afsync/runtime/compose/buildSources";
import { once } from "@afsync/runtime/compose/once";
import { fanoutHasherFromEnv } from "@afsync/runtime/fanout/fanoutHasherFromEnv";
import { fingerprintBindings } from "@afsync/runtime/fanout/fingerprintBindings";
import { fanoutLedgerFromEnv } from "../fanout/fanoutLedgerFromEnv.ts";
import { type ColdStartOptions, coldStart } from "./coldStart.ts";
import type { LoadReconcileDeps } from "./LambdaDeps.ts";
import { sqsQueuesFor } from "./sqsQueuesFor.ts";

/**
 * The reconcile function's composition root: env → the HMAC key (its only deploy-time secret) →
 * config → the sources (to list their versions: ListSecrets, DescribeParameters; its role reads
 * no value) → the fan-out ledger (SSM parameters) → the FIFO queue. No target, no engine.
 */
export function reconcileDepsFromEnv(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadReconcileDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const { queue } = sqsQueuesFor(start.queueUrls, env);
    const bindings = start.config.deployments.map((d) => ({ id: d.id }));
    let sources: Awaited<ReturnType<typeof buildSources>>;
    try {
      sources = await buildSources(start.config, { env: start.resolvedEnv, configDir: start.configDir, logger: start.logger });
    } catch (error) {
      // A source this role cannot build (a Vault source's token is the worker's secret): no
      // fan-out, every Deployment at every firing, as before. Never a reconciliation that stops.
      start.logger.log("warn", "reconcile fan-out off: a source could not be built here", { error });
      return { ...start.deps, queue, bindings };
    }
    const hasher = fanoutHasherFromEnv(start.config, start.resolvedEnv);
    const ledger = await fanoutLedgerFromEnv(start.resolvedEnv);
    return {
      ...start.deps,
      queue,
      bindings,
      reconcile: {
        bindings: fingerprintBindings(start.config, sources),
        settings: start.config.reconcile,
        ...(hasher === undefined || ledger === undefined ? {} : { fanout: { hasher, ledger } }),
      },
    };
  });
}
