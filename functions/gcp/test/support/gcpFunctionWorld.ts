import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "@afsync/core";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type CloudStorageEmulator, startCloudStorageEmulator } from "@afsync/emulators/gcp/startCloudStorageEmulator";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import {
  type PubSubEmulator,
  type PubSubPullSubscription,
  type PubSubPushSubscription,
  startPubSubEmulator,
} from "@afsync/emulators/gcp/startPubSubEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import {
  GOOGLE_CERTS,
  PUSH_AUDIENCE,
  PUSH_SERVICE_ACCOUNT,
  pushTokenClaims,
  signGoogleToken,
} from "../../../../packages/gcp/test/localGoogleKeys.ts";
import { FANOUT_BUCKET_ENV, STORAGE_ENDPOINT_ENV } from "../../src/fanout/fanoutLedgerFromEnv.ts";
import { GCP_FUNCTIONS, registerGcpFunctions } from "../../src/registerGcpFunctions.ts";
import type { GcpWorkerDeps, LoadGcpWorkerDeps } from "../../src/runtime/GcpFunctionDeps.ts";
import { GCP_FUNCTION_ENV, gcpProducerDepsFromEnv, gcpWorkerDepsFromEnv } from "../../src/runtime/gcpDepsFromEnv.ts";

export const AIRFLOW_PASSWORD = "gcp-fn-airflow-admin-61c0";
export const HMAC_KEY = "gcp-fn-hmac-key-0123456789abcdef-0123456789";
export const WEBHOOK_SECRET = "gcp-fn-whsec-3d9a";
export const SYNC_TOPIC = "afsync-sync";
export const NOTIFICATION_TOPIC = "airflow-secrets";
export const WORK_TOPIC = "afsync-work";
/** What Terraform names each Deployment's work subscription: this prefix + the Deployment id. */
export const WORK_SUBSCRIPTION = "afsync-work-";
export const FANOUT_BUCKET = "afsync-test-fanout";
/** The second Secret Manager source's prefixes (source `team`), for Deployments that do not share `gcp`. */
export const TEAM_PREFIXES = { connections: "airflow-team-connections", variables: "airflow-team-variables" } as const;

/** Wraps the worker's deps (a spy around the real engine, say) before the function sees them. */
export type WorkerDecorator = (deps: GcpWorkerDeps) => GcpWorkerDeps;

export interface GcpFunctionWorld {
  readonly secretManager: GcpEmulator;
  readonly pubsub: PubSubEmulator;
  /** Deployment `prod` (Airflow 3 API, deletion: delete) and `staging` (same sources). */
  readonly airflow: { readonly prod: AirflowEmulator; readonly staging: AirflowEmulator };
  /** The `deployments` option's Deployments, each its own Airflow 3 API. */
  readonly more: Readonly<Record<string, AirflowEmulator>>;
  /** Loopback URLs of the four functions, each served by functions-framework's own test server. */
  readonly urls: Readonly<Record<keyof typeof GCP_FUNCTIONS, string>>;
  readonly topics: { readonly sync: string; readonly notifications: string; readonly work?: string };
  /** With `coalescing`: each Deployment's filtered pull subscription of the work topic, as Terraform declares it. */
  readonly workSubscriptions: Readonly<Record<string, PubSubPullSubscription>>;
  readonly logLines: string[];
  /** With `fanoutLedger`: the Cloud Storage emulator holding the reconcile's ledger bucket (FANOUT_BUCKET). */
  readonly storage?: CloudStorageEmulator;
  /** `Bearer <token>` as a push subscription or Scheduler sends it, signed by the local "Google" key. */
  authorization(): string;
  /**
   * The sync topic's ordered push subscription to `worker`, held while `publish` runs (as the
   * batching window holds the doorbells until a burst is in), then resumed and drained until every
   * doorbell is settled, and stopped. `beforeDrain` runs once the publishing is done, just before
   * the doorbells go (a benchmark resets its counters and starts its clock there).
   */
  drainDoorbellsAfter(publish: () => Promise<void>, beforeDrain?: () => void): Promise<PubSubPushSubscription>;
  close(): Promise<void>;
}

/**
 * The function app on loopback: the Secret Manager and Pub/Sub emulators, two Airflow API
 * emulators, the bundled config in a temporary directory, and the four functions registered
 * with functions-framework and served by its test server. Only Google's machinery between them
 * (a push subscription's POST, Eventarc) is played by the emulators' delivery.
 */
export async function startGcpFunctionWorld(
  options: {
    readonly decorateWorker?: WorkerDecorator;
    /** ADR 008's GCP path: the work topic, one pull subscription per Deployment, doorbells on the sync topic. */
    readonly coalescing?: boolean;
    /** Extra environment (AFSYNC_BATCHING_WINDOW_SECONDS…), over the world's own. */
    readonly env?: NodeJS.ProcessEnv;
    /** The worker's wait for the batching window (a test's own, so nothing depends on timing). */
    readonly sleep?: (ms: number) => Promise<void>;
    /** The reconcile fan-out's ledger bucket on a Cloud Storage emulator (ADR 011), as Terraform's AFSYNC_FANOUT_BUCKET. */
    readonly fanoutLedger?: boolean;
    /** The functions' clock (the fan-out's full_every counts on it). */
    readonly clock?: Clock;
    /**
     * More Deployments after prod and staging: id → the sources they read, `gcp` (prod's) and/or
     * `team` (prefixes TEAM_PREFIXES), each with its own Airflow 3 API emulator (`more`).
     */
    readonly deployments?: Readonly<Record<string, readonly ("gcp" | "team")[]>>;
    /** false: doorbells keyed and folded per Deployment, as before ADR 012. */
    readonly sharingGroups?: boolean;
  } = {},
): Promise<GcpFunctionWorld> {
  const secretManager = await startGcpEmulator();
  const pubsub = await startPubSubEmulator({ projectId: secretManager.project.id });
  const storage = options.fanoutLedger === true ? await startCloudStorageEmulator() : undefined;
  storage?.createBucket(FANOUT_BUCKET);
  const airflow = {
    prod: await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
    staging: await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
  };
  const more: Record<string, AirflowEmulator> = {};
  for (const id of Object.keys(options.deployments ?? {}))
    more[id] = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  const topics = {
    sync: pubsub.createTopic(SYNC_TOPIC),
    notifications: `projects/${secretManager.project.id}/topics/${NOTIFICATION_TOPIC}`,
    ...(options.coalescing === true ? { work: pubsub.createTopic(WORK_TOPIC) } : {}),
  };
  const workSubscription = (deployment: string) =>
    pubsub.pullSubscription({
      topic: WORK_TOPIC,
      name: `${WORK_SUBSCRIPTION}${deployment}`,
      filter: `attributes.afsync-deployment = "${deployment}"`,
      ackDeadlineSeconds: 360,
    });
  const workSubscriptions: Record<string, PubSubPullSubscription> = {};
  if (options.coalescing === true) for (const id of ["prod", "staging", ...Object.keys(more)]) workSubscriptions[id] = workSubscription(id);
  const dir = mkdtempSync(join(tmpdir(), "afsync-gcp-fn-"));
  const target = (url: string, sources: readonly string[] = ["gcp"]) => `
    target:
      type: airflow-api
      url: ${url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 1, base_delay_ms: 0, max_delay_ms: 0 }
    sources: [${sources.join(", ")}]
    deletion: delete`;
  const moreYaml = Object.entries(options.deployments ?? {})
    .map(([id, sources]) => `  ${id}:${target(more[id]?.url ?? "", sources)}\n`)
    .join("");
  const readsTeam = Object.values(options.deployments ?? {}).some((sources) => sources.includes("team"));
  const teamYaml = !readsTeam
    ? ""
    : `  team:
    type: gcp-secret-manager
    project_id: ${secretManager.project.id}
    api_endpoint: "${secretManager.endpoint}"
    connections_prefix: ${TEAM_PREFIXES.connections}
    variables_prefix: ${TEAM_PREFIXES.variables}
`;
  writeFileSync(
    join(dir, "afsync.config.yaml"),
    `sources:
  gcp:
    type: gcp-secret-manager
    project_id: ${secretManager.project.id}
    api_endpoint: "${secretManager.endpoint}"
    connections_prefix: airflow-connections
    variables_prefix: airflow-variables
${teamYaml}deployments:
  prod:${target(airflow.prod.url)}
  staging:${target(airflow.staging.url)}
${moreYaml}state: { type: target }
serve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`,
  );
  const env: NodeJS.ProcessEnv = {
    [GCP_FUNCTION_ENV.config]: join(dir, "afsync.config.yaml"),
    [GCP_FUNCTION_ENV.syncTopic]: topics.sync,
    [GCP_FUNCTION_ENV.pubsubEndpoint]: pubsub.endpoint,
    [GCP_FUNCTION_ENV.oidcAudience]: PUSH_AUDIENCE,
    [GCP_FUNCTION_ENV.oidcServiceAccount]: PUSH_SERVICE_ACCOUNT,
    // What Terraform's secret_environment_variables mount from Secret Manager in production.
    AFSYNC_HMAC_KEY: HMAC_KEY,
    AIRFLOW_USERNAME: "admin",
    AIRFLOW_PASSWORD,
    AFSYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    ...(topics.work !== undefined
      ? {
          [GCP_FUNCTION_ENV.workTopic]: topics.work,
          [GCP_FUNCTION_ENV.workSubscriptionPrefix]: `projects/${secretManager.project.id}/subscriptions/${WORK_SUBSCRIPTION}`,
          // The window's end is played by the test (the doorbells' push held until the burst is in).
          [GCP_FUNCTION_ENV.batchingWindowSeconds]: "0",
        }
      : {}),
    ...(storage === undefined ? {} : { [FANOUT_BUCKET_ENV]: FANOUT_BUCKET, [STORAGE_ENDPOINT_ENV]: storage.url }),
    ...options.env,
  };
  const logLines: string[] = [];
  const coldStart = {
    logger: createJsonLineLogger({ write: (line) => logLines.push(line) }),
    certs: GOOGLE_CERTS,
    ...(options.sleep !== undefined ? { sleep: options.sleep } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.sharingGroups === false ? { sharingGroups: false } : {}),
  };
  const realWorker = gcpWorkerDepsFromEnv(env, coldStart);
  const decorate = options.decorateWorker;
  const worker: LoadGcpWorkerDeps = decorate === undefined ? realWorker : async () => decorate(await realWorker());
  registerGcpFunctions(gcpProducerDepsFromEnv(env, coldStart), worker);

  const servers: Server[] = [];
  const urls = {} as Record<keyof typeof GCP_FUNCTIONS, string>;
  for (const [key, name] of Object.entries(GCP_FUNCTIONS) as [keyof typeof GCP_FUNCTIONS, string][]) {
    const server = getTestServer(name);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    servers.push(server);
    urls[key] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const authorization = () => `Bearer ${signGoogleToken(pushTokenClaims())}`;
  return {
    secretManager,
    pubsub,
    airflow,
    more,
    urls,
    topics,
    workSubscriptions,
    logLines,
    ...(storage === undefined ? {} : { storage }),
    authorization,
    async drainDoorbellsAfter(publish, beforeDrain) {
      const doorbells = pubsub.pushTo({ topic: topics.sync, url: urls.worker, authorization, startPaused: true });
      await publish();
      beforeDrain?.();
      doorbells.resume();
      await doorbells.settled();
      doorbells.stop();
      return doorbells;
    },
    async close() {
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      await Promise.all([secretManager.close(), pubsub.close(), airflow.prod.close(), airflow.staging.close(), storage?.close()]);
      await Promise.all(Object.values(more).map((emulator) => emulator.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
