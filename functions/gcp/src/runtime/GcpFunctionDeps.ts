import type { Clock, Logger } from "@afsync/core";
import type { SharingGroup } from "@afsync/core/config/sharingGroups";
import type { PubSubPushTokenVerdict } from "@afsync/gcp/events/verifyPubSubPushToken";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import type { SyncQueue } from "@afsync/runtime/edge/SyncQueue";
import type { ReconcileSetup } from "@afsync/runtime/fanout/ReconcileSetup";
import type { WorkerDeps } from "@afsync/runtime/worker/runWorkerBatch";
import type { DeploymentWorkSubscriptions } from "../queue/PubSubWorkSubscriptions.ts";

/** Checks the OIDC token of a push or Scheduler request (`Authorization: Bearer …`). */
export type VerifyGoogleToken = (authorization: string | undefined) => Promise<PubSubPushTokenVerdict>;

/**
 * What the producers (events, push, reconcile) need: which Deployments read which sources, the
 * worker topic, the token check and the webhook secret. No target, no engine, no HMAC key.
 */
export interface GcpProducerDeps {
  readonly bindings: readonly RoutableBinding[];
  readonly queue: SyncQueue;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly verifyToken: VerifyGoogleToken;
  /** The webhook HMAC secret (from the env var `serve.webhook_secret_env` names), if webhooks are on. */
  readonly webhookSecret: string | undefined;
  /**
   * The reconcile's fan-out (`fanOutReconcile`: ledger in Cloud Storage, AFSYNC_FANOUT_BUCKET);
   * absent, every Deployment is enqueued at every firing.
   */
  readonly reconcile?: ReconcileSetup;
}

/** The worker: the runtime's batch loop deps plus the token check of its push subscription. */
export interface GcpWorkerDeps extends WorkerDeps {
  readonly verifyToken: VerifyGoogleToken;
  /**
   * The per-Deployment work subscriptions a doorbell makes the worker pull (ADR 008); absent when
   * AFSYNC_WORK_SUBSCRIPTION_PREFIX is not set, and a doorbell is then refused.
   */
  readonly workSubscriptions?: DeploymentWorkSubscriptions;
  /**
   * Each Deployment's sharing group in the bundled config (ADR 012): a doorbell ordered under its
   * group's key folds the group's work into one run. Absent: each Deployment is folded alone.
   */
  readonly sharingGroups?: ReadonlyMap<string, SharingGroup>;
  /**
   * The batching window: a doorbell's pull waits until this long after the doorbell was
   * published, so the burst it rings for has landed and folds into one run (0: pull at once).
   */
  readonly batchingWindowMs?: number;
  readonly clock?: Clock;
  /** Waits `ms` (the window); tests pass their own so nothing depends on timing. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export type LoadGcpProducerDeps = () => Promise<GcpProducerDeps>;
export type LoadGcpWorkerDeps = () => Promise<GcpWorkerDeps>;
