import type { Clock, Logger, SecretSource } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { FanoutLedger } from "@afsync/runtime/fanout/FanoutLedger";
import type { ReconcileSetup } from "@afsync/runtime/fanout/ReconcileSetup";

/**
 * What the producers (events, webhook, reconcile) need: which Deployments read which sources, the
 * queue, and the webhook secret. No targets, no engine, no HMAC key: so their roles need none of
 * the worker's secrets (see `producerDepsFromEnv`).
 */
export interface ProducerDeps {
  readonly bindings: readonly RoutableBinding[];
  /** The FIFO sync queue (one group per Deployment) the worker consumes; reconcile and coalesce send here. */
  readonly queue: SyncQueue;
  /**
   * Where events and webhooks send: the standard hint queue the coalesce function drains with a
   * batching window (AFSYNC_HINT_QUEUE_URL), or the sync queue itself when that is not set.
   */
  readonly hintQueue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The webhook HMAC secret (from the env var `serve.webhook_secret_env` names), if webhooks are on. */
  readonly webhookSecret: string | undefined;
}

/**
 * Everything the worker needs, built once per cold start (see `lambdaDepsFromEnv`); a superset of
 * `ProducerDeps`, so one loader can also serve the producers (tests do). Handlers take a loader
 * rather than the value so the module-level `handler` can start the build on the first invocation
 * (CommonJS bundles have no top-level await) and tests can build fresh instances.
 */
export interface LambdaDeps extends ProducerDeps {
  readonly bindings: readonly DeploymentBinding[];
  readonly sources: ReadonlyMap<string, SecretSource>;
  readonly engine: { sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> };
  /** Where a successful run confirms the reconcile's fan-out (SSM parameters); absent, nothing is confirmed. */
  readonly fanoutLedger?: FanoutLedger;
  /** The worker's composition root serves the reconcile handler too (tests do). */
  readonly reconcile?: ReconcileSetup;
}

/**
 * What the reconcile function needs: the FIFO queue, and the fan-out (sources to list, HMAC key,
 * ledger, `reconcile:`); without `reconcile`, every Deployment is enqueued at every firing.
 */
export interface ReconcileDeps {
  readonly bindings: readonly { readonly id: string }[];
  readonly queue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly reconcile?: ReconcileSetup;
}

export type LoadProducerDeps = () => Promise<ProducerDeps>;
export type LoadLambdaDeps = () => Promise<LambdaDeps>;
export type LoadReconcileDeps = () => Promise<ReconcileDeps>;
