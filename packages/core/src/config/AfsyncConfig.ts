import type { DeletionPolicy } from "../engine/DeploymentBinding.ts";

/** A source entry of afsync.yaml: `type` picks the factory, the rest are its validated options. */
export interface SourceConfig {
  readonly id: string;
  readonly type: string;
  /** Parsed by the source type's own schema (the Airflow backend's `backend_kwargs`). */
  readonly options: unknown;
}

export interface TargetConfig {
  readonly type: string;
  readonly options: unknown;
}

export interface DeploymentConfig {
  readonly id: string;
  readonly target: TargetConfig;
  /** Source ids, first listed wins. */
  readonly sources: readonly string[];
  readonly deletion: DeletionPolicy;
  readonly adopt: boolean;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  /** `observe.secrets_backend`: the source id of the secrets backend the Deployment reads itself. */
  readonly observe?: { readonly secretsBackend?: string };
}

/**
 * Where afsync keeps what it applied. `sqlite` (default, local mode); `memory` (tests, one-shot
 * runs); `target`: in each target's own manifest (the cloud), with the HMAC key from `hmacKeyEnv`.
 */
export type StateConfig =
  | { readonly type: "sqlite"; readonly path: string }
  | { readonly type: "memory" }
  | { readonly type: "target"; readonly hmacKeyEnv: string };

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** Full reconciliation interval in milliseconds (`reconcile_every: 15m`). */
  readonly reconcileEveryMs: number;
  /** Name of the env var holding the webhook HMAC secret, if webhooks are enabled. */
  readonly webhookSecretEnv?: string;
  /** `serve.pubsub_push`: what an authenticated Pub/Sub push's OIDC token must carry, if `POST /pubsub` is on. */
  readonly pubsubPush?: { readonly audience: string; readonly serviceAccount: string };
  /** Name of the env var holding the key Event Grid deliveries must present, if `/eventgrid` is enabled. */
  readonly eventGridKeyEnv?: string;
}

/** `reconcile:` — which Deployments a cloud's scheduled reconciliation enqueues. */
export interface ReconcileConfig {
  /** `changed`: only those whose snapshot fingerprint changed (or is unconfirmed, or due a full pass); `all`: every one. */
  readonly fanout: "changed" | "all";
  /** Every Deployment is enqueued at least this often, changed or not (`full_every: 24h`), in milliseconds. */
  readonly fullEveryMs: number;
}

export const DEFAULT_RECONCILE_CONFIG: ReconcileConfig = { fanout: "changed", fullEveryMs: 24 * 3_600_000 };

/** afsync.yaml once parsed: ids keep the file's order. */
export interface AfsyncConfig {
  readonly sources: readonly SourceConfig[];
  readonly deployments: readonly DeploymentConfig[];
  readonly state: StateConfig;
  readonly serve: ServeConfig;
  readonly reconcile: ReconcileConfig;
}

export const DEFAULT_STATE_PATH = ".afsync/state.db";
export const DEFAULT_HMAC_KEY_ENV = "AFSYNC_HMAC_KEY";
