import { resolve } from "node:path";
import { type Clock, ConfigError, type Logger } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { type SharingGroup, sharingGroups } from "@afsync/core/config/sharingGroups";
import { verifyPubSubPushToken } from "@afsync/gcp/events/verifyPubSubPushToken";
import { buildRuntime } from "@afsync/runtime/compose/buildRuntime";
import { buildSources } from "@afsync/runtime/compose/buildSources";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { once } from "@afsync/runtime/compose/once";
import { loadBundledConfigFile } from "@afsync/runtime/config/bundledConfig";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import { fanoutHasherFromEnv } from "@afsync/runtime/fanout/fanoutHasherFromEnv";
import { fingerprintBindings } from "@afsync/runtime/fanout/fingerprintBindings";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { type Certificates, OAuth2Client } from "google-auth-library";
import { fanoutLedgerFromEnv } from "../fanout/fanoutLedgerFromEnv.ts";
import { createPubSubClient, createSubscriberClient } from "../queue/createPubSubClient.ts";
import { PubSubSyncQueue } from "../queue/PubSubSyncQueue.ts";
import { PubSubWorkSubscriptions } from "../queue/PubSubWorkSubscriptions.ts";
import type { LoadGcpProducerDeps, LoadGcpWorkerDeps, VerifyGoogleToken } from "./GcpFunctionDeps.ts";
import { lazyWorkSubscriptions } from "./lazyWorkSubscriptions.ts";

/** The environment the functions read (Terraform sets each; see functions/gcp/infra). */
export const GCP_FUNCTION_ENV = {
  /** The afsync config bundled with the source, relative to the function's working directory. */
  config: "AFSYNC_CONFIG",
  /** The worker topic, `projects/<project>/topics/afsync-sync` (ordered, pushed to the worker). */
  syncTopic: "AFSYNC_SYNC_TOPIC",
  /**
   * The work topic (ADR 008), `projects/<project>/topics/afsync-work`: set, the producers publish
   * sync messages there and ring a doorbell per Deployment on the sync topic; absent, they publish
   * the sync messages to the sync topic (one run per message).
   */
  workTopic: "AFSYNC_WORK_TOPIC",
  /** The worker's per-Deployment pull subscriptions: `projects/<project>/subscriptions/afsync-work-` + Deployment id. */
  workSubscriptionPrefix: "AFSYNC_WORK_SUBSCRIPTION_PREFIX",
  /** How long after a doorbell was published the worker pulls (default 10, as AWS's hint batching window). */
  batchingWindowSeconds: "AFSYNC_BATCHING_WINDOW_SECONDS",
  /** The regional Pub/Sub endpoint every producer publishes through (`<region>-pubsub.googleapis.com`). */
  pubsubEndpoint: "AFSYNC_PUBSUB_ENDPOINT",
  /** The audience the push subscriptions and the Scheduler job put in their OIDC tokens. */
  oidcAudience: "AFSYNC_OIDC_AUDIENCE",
  /** The service account those tokens name. */
  oidcServiceAccount: "AFSYNC_OIDC_SERVICE_ACCOUNT",
} as const;

export const DEFAULT_CONFIG_FILE = "afsync.config.yaml";
export const DEFAULT_WEBHOOK_SECRET_ENV = "AFSYNC_WEBHOOK_SECRET";
export const DEFAULT_BATCHING_WINDOW_SECONDS = 10;

export interface GcpColdStartOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Signing keys for the OIDC check; absent in production (Google's, fetched and cached). Tests pass a local set. */
  readonly certs?: Certificates;
  /** How the worker waits out the batching window; absent, a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * false: doorbells keyed and folded per Deployment, as before ADR 012, for the benchmark that
   * measures what the sharing groups save; absent or true, by sharing group.
   */
  readonly sharingGroups?: boolean;
}

/**
 * The producers' composition root (events, push, reconcile): env → config → sources → the
 * worker topic. Routing needs only which Deployment reads which source, so it builds no target
 * and reads no target credential. Built on the first request of an instance, then reused; a
 * failed build is retried by the next request.
 */
export function gcpProducerDepsFromEnv(env: NodeJS.ProcessEnv, options: GcpColdStartOptions = {}): LoadGcpProducerDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const sources = await buildSources(start.config, { env, configDir: start.configDir, logger: start.logger });
    const bindings: RoutableBinding[] = start.config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    const projectId = projectOfTopic(required(env, GCP_FUNCTION_ENV.syncTopic));
    const queue = new PubSubSyncQueue(
      createPubSubClient(projectId, env[GCP_FUNCTION_ENV.pubsubEndpoint] || undefined),
      required(env, GCP_FUNCTION_ENV.syncTopic),
      env[GCP_FUNCTION_ENV.workTopic] || undefined,
      groupsOf(start.config, options),
    );
    start.logger.log("info", "cold start: producer built", { deployments: bindings.map((b) => b.id), sources: [...sources.keys()] });
    // The reconcile's fan-out (ADR 011); only the reconcile function has the HMAC key and the bucket's grant.
    const hasher = fanoutHasherFromEnv(start.config, env);
    const ledger = fanoutLedgerFromEnv(env);
    return {
      bindings,
      queue,
      logger: start.logger,
      clock: start.clock,
      verifyToken: start.verifyToken,
      webhookSecret: env[start.config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV],
      reconcile: {
        bindings: fingerprintBindings(start.config, sources),
        settings: start.config.reconcile,
        ...(hasher === undefined || ledger === undefined ? {} : { fanout: { hasher, ledger } }),
      },
    };
  });
}

/** The worker's composition root: env → config → the full runtime (sources, targets, state, engine). */
export function gcpWorkerDepsFromEnv(env: NodeJS.ProcessEnv, options: GcpColdStartOptions = {}): LoadGcpWorkerDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const runtime = await buildRuntime(start.config, { env, configDir: start.configDir, logger: start.logger, clock: start.clock });
    const prefix = env[GCP_FUNCTION_ENV.workSubscriptionPrefix] || undefined;
    // The prefix is checked now (a bad one fails the cold start); the client is built on the first pull.
    const project = prefix === undefined ? undefined : projectOfSubscriptionPrefix(prefix);
    const workSubscriptions =
      prefix === undefined || project === undefined
        ? undefined
        : lazyWorkSubscriptions(
            () => new PubSubWorkSubscriptions(createSubscriberClient(project, env[GCP_FUNCTION_ENV.pubsubEndpoint] || undefined), prefix),
          );
    start.logger.log("info", "cold start: worker built", { deployments: runtime.bindings.map((b) => b.id), pulls: prefix !== undefined });
    const fanoutLedger = fanoutLedgerFromEnv(env);
    return {
      bindings: runtime.bindings,
      engine: runtime.engine,
      logger: start.logger,
      verifyToken: start.verifyToken,
      ...(workSubscriptions !== undefined ? { workSubscriptions, sharingGroups: groupsOf(start.config, options) } : {}),
      batchingWindowMs: batchingWindowSecondsOf(env) * 1000,
      clock: start.clock,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      ...(fanoutLedger === undefined ? {} : { fanoutLedger }),
    };
  });
}

async function coldStart(env: NodeJS.ProcessEnv, options: GcpColdStartOptions) {
  const logger = options.logger ?? createJsonLineLogger({ base: { fn: env.K_SERVICE ?? env.FUNCTION_TARGET ?? "local" } });
  const path = resolve(process.cwd(), env[GCP_FUNCTION_ENV.config] || DEFAULT_CONFIG_FILE);
  // The file `npm run package:gcp` built the bundle with is embedded, validated; any other is parsed strictly.
  const config = await loadBundledConfigFile(path, env);
  const expected = {
    audience: required(env, GCP_FUNCTION_ENV.oidcAudience),
    serviceAccountEmail: required(env, GCP_FUNCTION_ENV.oidcServiceAccount),
    // One client per instance: it caches Google's certificates between requests.
    client: new OAuth2Client(),
    ...(options.certs !== undefined ? { certs: options.certs } : {}),
  };
  const verifyToken: VerifyGoogleToken = (authorization) => verifyPubSubPushToken(authorization, expected);
  return { logger, clock: options.clock ?? systemClock, config, configDir: resolve(path, ".."), verifyToken };
}

/** The config's sharing groups (ADR 012), the same at every producer and the worker that bundle it. */
function groupsOf(config: AfsyncConfig, options: GcpColdStartOptions): ReadonlyMap<string, SharingGroup> {
  return options.sharingGroups === false ? new Map() : sharingGroups(config.deployments);
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new ConfigError(name, "is not set (functions/gcp/infra sets it on every function)");
  return value;
}

function projectOfTopic(topic: string): string {
  const match = /^projects\/([^/]+)\/topics\/[^/]+$/.exec(topic);
  if (match?.[1] === undefined)
    throw new ConfigError(GCP_FUNCTION_ENV.syncTopic, "must be a full topic name, projects/<project>/topics/<topic>");
  return match[1];
}

function projectOfSubscriptionPrefix(prefix: string): string {
  const match = /^projects\/([^/]+)\/subscriptions\/[A-Za-z][A-Za-z0-9._~+%-]*$/.exec(prefix);
  if (match?.[1] === undefined)
    throw new ConfigError(
      GCP_FUNCTION_ENV.workSubscriptionPrefix,
      "must be a full subscription name without the Deployment id, projects/<project>/subscriptions/<name>-work-",
    );
  return match[1];
}

function batchingWindowSecondsOf(env: NodeJS.ProcessEnv): number {
  const text = env[GCP_FUNCTION_ENV.batchingWindowSeconds];
  if (text === undefined || text === "") return DEFAULT_BATCHING_WINDOW_SECONDS;
  const seconds = Number(text);
  // The window must end well inside the worker's timeout (300 s by default); SQS caps its window at 300 s too.
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 300)
    throw new ConfigError(GCP_FUNCTION_ENV.batchingWindowSeconds, "must be a number of seconds from 0 to 300");
  return seconds;
}
