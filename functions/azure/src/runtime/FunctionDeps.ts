import type { Clock, Logger, SecretSource } from "@afsync/core";
import type { DeploymentBinding } from "@afsync/core/engine/DeploymentBinding";
import type { RunReport } from "@afsync/core/engine/RunReport";
import type { Trigger } from "@afsync/core/engine/Trigger";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { EventGridEndpointSetup } from "@afsync/runtime/events/eventGridEndpoint";
import type { FanoutLedger } from "@afsync/runtime/fanout/FanoutLedger";
import type { ReconcileSetup } from "@afsync/runtime/fanout/ReconcileSetup";
import type { DeploymentLease } from "../lease/DeploymentLease.ts";
import type { SyncQueueReader } from "../queue/drainDeploymentMessages.ts";

/**
 * What the edge functions (Event Grid, HTTP, timer) need: which Deployments read which sources,
 * the queue, and the keys their HTTP endpoints check. No target and no engine.
 */
export interface ProducerDeps {
  readonly bindings: readonly RoutableBinding[];
  readonly queue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The webhook HMAC secret (from the env var `serve.webhook_secret_env` names), if webhooks are on. */
  readonly webhookSecret: string | undefined;
  /** The Event Grid endpoint, or why it is off. */
  readonly eventGrid: EventGridEndpointSetup;
  /** The timer's fan-out (sources to list, ledger, `reconcile:`); absent: every Deployment at every firing. */
  readonly reconcile?: ReconcileSetup;
}

/** Everything the queue-triggered worker needs: a superset of ProducerDeps, so one loader serves all (tests do). */
export interface FunctionDeps extends ProducerDeps {
  readonly bindings: readonly DeploymentBinding[];
  readonly sources: ReadonlyMap<string, SecretSource>;
  readonly engine: { sync(bindings: DeploymentBinding[], trigger: Trigger): Promise<RunReport> };
  /** One worker per Deployment at a time, across every instance of the app. */
  readonly lease: DeploymentLease;
  /** The sync queue, for the worker to fold a Deployment's other waiting messages into its run; none, no folding. */
  readonly queueReader?: SyncQueueReader;
  /** Where a successful run confirms the timer's fan-out (a blob per Deployment next to the leases). */
  readonly fanoutLedger?: FanoutLedger;
}

export type LoadProducerDeps = () => Promise<ProducerDeps>;
export type LoadFunctionDeps = () => Promise<FunctionDeps>;
