import { once } from "@afsync/runtime/compose/once";
import type { LoadFunctionDeps, LoadProducerDeps } from "./FunctionDeps.ts";

/**
 * The entry point's loaders. The composition roots (`functionDepsFromEnv`: the Azure SDKs, the
 * sources, targets and engine) are imported on the first invocation, not when the Functions host
 * loads the app: its start then evaluates only the handlers and @azure/functions, as a bare app
 * would. The edge functions (Event Grid, webhooks, timer) route and enqueue, so their loader
 * builds the producer root (no target, no engine, no lease); the queue worker's builds the whole.
 */
export function lazyProducerDeps(env: NodeJS.ProcessEnv): LoadProducerDeps {
  return once(async () => (await import("./functionDepsFromEnv.ts")).producerDepsFromEnv(env)());
}

export function lazyFunctionDeps(env: NodeJS.ProcessEnv): LoadFunctionDeps {
  return once(async () => (await import("./functionDepsFromEnv.ts")).functionDepsFromEnv(env)());
}
