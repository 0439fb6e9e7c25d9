import type { Clock, Logger, SecretSource } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { SyncQueue } from "../queue/SyncQueue.ts";

/**
 * Everything a handler needs, built once per cold start (see `lambdaDepsFromEnv`). Handlers take
 * a loader rather than the value so the module-level `handler` can start the build on the first
 * invocation (CommonJS bundles have no top-level await) and tests can build fresh instances.
 */
export interface LambdaDeps {
  readonly bindings: readonly DeploymentBinding[];
  readonly sources: ReadonlyMap<string, SecretSource>;
  readonly engine: { sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> };
  readonly queue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The webhook HMAC secret (from the env var `serve.webhook_secret_env` names), if webhooks are on. */
  readonly webhookSecret: string | undefined;
}

export type LoadLambdaDeps = () => Promise<LambdaDeps>;

/**
 * Runs `build` once and shares the result; a failed build is forgotten so the next invocation
 * of a warm container tries again (a throttled Secrets Manager read must not poison it for good).
 */
export function once(build: () => Promise<LambdaDeps>): LoadLambdaDeps {
  let pending: Promise<LambdaDeps> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
