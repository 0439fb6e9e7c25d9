import { buildRuntime } from "@afsync/runtime/compose/buildRuntime";
import { once } from "@afsync/runtime/compose/once";
import { fanoutHasherFromEnv } from "@afsync/runtime/fanout/fanoutHasherFromEnv";
import { fingerprintBindings } from "@afsync/runtime/fanout/fingerprintBindings";
import { fanoutLedgerFromEnv } from "../fanout/fanoutLedgerFromEnv.ts";
import { type ColdStartOptions, coldStart } from "./coldStart.ts";
import type { LoadLambdaDeps } from "./LambdaDeps.ts";
import { lazySqsQueues } from "./lazySqsQueues.ts";

/**
 * The worker's composition root: env → secrets → config → runtime (sources, targets, engine) →
 * queue, built on the first invocation of a container and reused by the warm ones. The producers
 * build less (`producerDepsFromEnv`); this one's result serves them too. Tests call it with their
 * own env object (emulator endpoints, fake credentials) instead of touching process.env.
 */
export function lambdaDepsFromEnv(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadLambdaDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const runtime = await buildRuntime(start.config, { env: start.resolvedEnv, configDir: start.configDir, logger: start.logger });
    start.logger.log("info", "cold start: runtime built", {
      deployments: runtime.bindings.map((b) => b.id),
      sources: [...runtime.sources.keys()],
    });
    // The worker never sends (Lambda's event source mapping feeds it): no SQS client until a send.
    const { queue, hintQueue } = lazySqsQueues(start.queueUrls, env);
    const fanoutLedger = await fanoutLedgerFromEnv(start.resolvedEnv);
    const hasher = fanoutHasherFromEnv(start.config, start.resolvedEnv);
    return {
      ...start.deps,
      queue,
      hintQueue: hintQueue ?? queue,
      bindings: runtime.bindings,
      sources: runtime.sources,
      engine: runtime.engine,
      ...(fanoutLedger === undefined ? {} : { fanoutLedger }),
      reconcile: {
        bindings: fingerprintBindings(start.config, runtime.sources),
        settings: start.config.reconcile,
        ...(hasher === undefined || fanoutLedger === undefined ? {} : { fanout: { hasher, ledger: fanoutLedger } }),
      },
    };
  });
}
