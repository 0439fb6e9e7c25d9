import { once } from "@afsync/runtime/compose/once";
import type { LoadGcpProducerDeps, LoadGcpWorkerDeps } from "./GcpFunctionDeps.ts";
import type { GcpColdStartOptions } from "./gcpDepsFromEnv.ts";

/**
 * The entry point's loaders. The composition roots (`gcpDepsFromEnv`: Pub/Sub, google-gax and
 * gRPC, the OIDC client, the sources, targets and engine) are imported on an instance's first
 * request, not when the Functions Framework loads the bundle: its start then evaluates only the
 * handlers, as a bare function would, and the first request loads what that function builds.
 */
export function lazyGcpProducerDeps(env: NodeJS.ProcessEnv, options: GcpColdStartOptions = {}): LoadGcpProducerDeps {
  return once(async () => (await import("./gcpDepsFromEnv.ts")).gcpProducerDepsFromEnv(env, options)());
}

export function lazyGcpWorkerDeps(env: NodeJS.ProcessEnv, options: GcpColdStartOptions = {}): LoadGcpWorkerDeps {
  return once(async () => (await import("./gcpDepsFromEnv.ts")).gcpWorkerDepsFromEnv(env, options)());
}
