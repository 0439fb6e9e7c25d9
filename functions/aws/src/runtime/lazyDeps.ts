import { once } from "@afsync/runtime/compose/once";
import type { ColdStartOptions } from "./coldStart.ts";
import type { LoadLambdaDeps, LoadProducerDeps, LoadReconcileDeps } from "./LambdaDeps.ts";

/**
 * The handlers' module-level loaders. The composition roots (config parsing, the adapter
 * registries, the SDK clients) are imported on the first invocation, not when Lambda loads the
 * handler: Lambda's init phase then evaluates only the handler's own module and what it imports
 * statically, and the first invocation loads just the adapters the bundled config names (see
 * `adapterFactoryLoaders`). In the CommonJS bundle esbuild keeps these modules in the same file,
 * wrapped so their top level runs on the import.
 */
export function lazyProducerDeps(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadProducerDeps {
  return once(async () => (await import("./producerDepsFromEnv.ts")).producerDepsFromEnv(env, options)());
}

export function lazyLambdaDeps(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadLambdaDeps {
  return once(async () => (await import("./lambdaDepsFromEnv.ts")).lambdaDepsFromEnv(env, options)());
}

export function lazyReconcileDeps(env: NodeJS.ProcessEnv, options: ColdStartOptions = {}): LoadReconcileDeps {
  return once(async () => (await import("./reconcileDepsFromEnv.ts")).reconcileDepsFromEnv(env, options)());
}
