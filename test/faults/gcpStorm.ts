/**
 * A seeded fault storm over the GCP path: secrets written with the official Secret Manager client
 * (emulator) publish their notifications, which go — as a Pub/Sub push or as Eventarc's
 * CloudEvent — to the REAL `push` and `events` functions (functions-framework's test server), onto
 * the worker topic (Pub/Sub emulator, ordering key = Deployment), through its ordered push
 * subscription to the REAL `worker` function in a child process that the storm SIGKILLs in the
 * middle of applies; the REAL `reconcile` function (Cloud Scheduler's call) catches lost events.
 *
 * Four Deployments over two Secret Manager sources (`gcp-main`, `gcp-team`, by secret prefix):
 * an Airflow 3 API (main before team), an Airflow 2 API (team before main), Astro env vars (main)
 * and Astro Environment Manager objects (team before main). No local-file target: a Cloud
 * Function's disk is an in-memory /tmp private to one instance, gone when it scales in, that no
 * Airflow reads — an `airflow-settings` or `env-file` target there would be written to nowhere
 * (and it could not hold the state this storm keeps in the targets). The AWS storm runs the local
 * file targets, as a worker on a host with a disk.
 *
 * Injected: Secret Manager RESOURCE_EXHAUSTED/UNAVAILABLE (gRPC), Pub/Sub Publish UNAVAILABLE,
 * target 429 (with Retry-After)/500/503/504 and slow answers, notifications duplicated, reordered
 * and lost, and worker kills. Afterwards every target is compared with the truth computed in
 * stormGcpTruth.ts from the emulator's final state, never through afsync's code.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { deliverNotification } from "@afsync/emulators/gcp/deliverNotification";
import type { SecretManagerNotification } from "@afsync/emulators/gcp/secretManagerNotifications";
import { type GcpEmulator, startGcpEmulator } from "@afsync/emulators/gcp/startGcpEmulator";
import { type PubSubPushSubscription, startPubSubEmulator } from "@afsync/emulators/gcp/startPubSubEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { GCP_FUNCTIONS, registerGcpFunctions } from "../../functions/gcp/src/registerGcpFunctions.ts";
import { GCP_FUNCTION_ENV, gcpProducerDepsFromEnv } from "../../functions/gcp/src/runtime/gcpDepsFromEnv.ts";
import { adminClient } from "../../packages/gcp/test/adminClient.ts";
import {
  GOOGLE_CERTS,
  PUSH_AUDIENCE,
  PUSH_SERVICE_ACCOUNT,
  pushTokenClaims,
  signGoogleToken,
} from "../../packages/gcp/test/localGoogleKeys.ts";
import { createSeededRandom, type SeededRandom } from "./createSeededRandom.ts";
import { awaitConvergence } from "./kit/awaitConvergence.ts";
import { compareDeployment } from "./kit/compareDeployment.ts";
import { countDuplicateWrites } from "./kit/countDuplicateWrites.ts";
import { type DeploymentTruth, mergeSources, truthSize } from "./kit/DeploymentTruth.ts";
import { EventFaults } from "./kit/EventFaults.ts";
import { emittedDuring } from "./kit/emittedDuring.ts";
import { FaultCounter } from "./kit/FaultCounter.ts";
import { injectTargetFault } from "./kit/injectTargetFault.ts";
import { killMidApply, killsDueBy } from "./kit/killMidApply.ts";
import { airflowView, astroEnvironmentView, astroEnvVarsView } from "./kit/remoteTargetViews.ts";
import { runnerPeakRssMb, type StormReport, type StormSize } from "./kit/StormReport.ts";
import { StormWorkerProcess } from "./kit/StormWorkerProcess.ts";
import { StormWorkers } from "./kit/StormWorkers.ts";
import { changedKeys, exactRecord } from "./kit/unownedRecords.ts";
import { GCP_DEPLOYMENTS, targetTypes } from "./stormDeployments.ts";
import { readProviderState, STORM_PREFIXES, type StormSourceName } from "./stormGcpTruth.ts";

export type { StormSize } from "./kit/StormReport.ts";

export interface GcpStormReport extends StormReport {
  /** Deliveries made again: worker-topic messages nacked or unreachable, notifications not acknowledged. */
  readonly retries: { readonly workerTopic: number; readonly notifications: number };
  readonly targetWriteCalls: { readonly airflow3: number; readonly airflow2: number; readonly astro: number };
  /** Per Deployment. */
  readonly truthKeys: Record<string, { connections: number; variables: number }>;
  readonly deadLettered: readonly { readonly deployment: string; readonly attempts: number; readonly why: string }[];
}

const PROJECT = "afsync-storm";
const ORG = "org-1";
const ASTRO_DEPLOYMENT = "dep-astro";
const WORKSPACE = "ws-1";
const AIRFLOW_PASSWORD = "gcp-storm-airflow-admin-5e2a";
const HMAC_KEY = "gcp-storm-hmac-0123456789abcdef-0123456789ab";
const ASTRO_TOKEN = "gcp-storm-astro-token-90c4";
const WEBHOOK_SECRET = "gcp-storm-whsec-1f7b";
const NOTIFICATION_TOPIC = `projects/${PROJECT}/topics/airflow-secrets`;
/**
 * The worker subscription's retry policy: Pub/Sub allows 5–100 delivery attempts and backs off
 * from minimum_backoff (10 s by default) to maximum_backoff (600 s); scaled down here, still
 * riding out a worker restart (several seconds on a loaded machine) many times over.
 */
const WORKER_MAX_DELIVERY_ATTEMPTS = 30;
const WORKER_RETRY_DELAY_MS = 50;
const WORKER_MAX_RETRY_DELAY_MS = 2_000;
/** How often a notification the producer did not acknowledge is delivered again (Pub/Sub/Eventarc redelivery). */
const NOTIFICATION_ATTEMPTS = 5;
type GcpDeploymentName = keyof typeof GCP_DEPLOYMENTS;
const workerScript = fileURLToPath(new URL("./gcpStormWorker.ts", import.meta.url));

export async function runGcpStorm(seed: number, size: StormSize): Promise<GcpStormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const sentinels = [AIRFLOW_PASSWORD, HMAC_KEY, ASTRO_TOKEN, WEBHOOK_SECRET];
  const faults = new FaultCounter();
  const { count } = faults;

  const gcp = await startGcpEmulator({ projectId: PROJECT });
  const pubsub = await startPubSubEmulator({ projectId: PROJECT });
  const airflow3 = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  const airflow2 = await startAirflowEmulator({ apiVersion: 1, users: { admin: AIRFLOW_PASSWORD } });
  const astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  const admin = adminClient(gcp);
  const dir = mkdtempSync(join(tmpdir(), "afsync-gcp-storm-"));
  const servers: Server[] = [];
  let workers: StormWorkers | undefined;
  let workerSubscription: PubSubPushSubscription | undefined;
  try {
    astro.seedDeployment({ id: ASTRO_DEPLOYMENT, organizationId: ORG, workspaceId: WORKSPACE });
    const syncTopic = pubsub.createTopic("afsync-sync");
    // ADR 008's path, as Terraform declares it: the work topic and one filtered pull subscription
    // per Deployment (ack deadline at Pub/Sub's minimum, so a killed worker's leases run out soon).
    const workTopic = pubsub.createTopic("afsync-work");
    for (const deployment of Object.keys(GCP_DEPLOYMENTS))
      pubsub.pullSubscription({
        topic: workTopic,
        name: `afsync-work-${deployment}`,
        filter: `attributes.afsync-deployment = "${deployment}"`,
        ackDeadlineSeconds: 10,
      });
    const source = (prefixes: { connections: string; variables: string }) =>
      `{ type: gcp-secret-manager, project_id: ${PROJECT}, api_endpoint: "${gcp.endpoint}", connections_prefix: ${prefixes.connections.slice(0, -1)}, variables_prefix: ${prefixes.variables.slice(0, -1)}, config_prefix: null }`;
    const retry = "retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }";
    const airflowTarget = (url: string, apiVersion: 1 | 2) => `
    target:
      type: airflow-api
      url: ${url}
      api_version: ${apiVersion}
      auth: { type: ${apiVersion === 2 ? "airflow-token" : "basic"}, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      ${retry}`;
    const sourcesOf = (deployment: GcpDeploymentName) => `[${GCP_DEPLOYMENTS[deployment].sources.map((s) => `gcp-${s}`).join(", ")}]`;
    writeFileSync(
      join(dir, "afsync.config.yaml"),
      `sources:
  gcp-main: ${source(STORM_PREFIXES.main)}
  gcp-team: ${source(STORM_PREFIXES.team)}
deployments:
  af3:${airflowTarget(airflow3.url, 2)}
    sources: ${sourcesOf("af3")}
    deletion: delete
  af2:${airflowTarget(airflow2.url, 1)}
    sources: ${sourcesOf("af2")}
    deletion: delete
  astro-vars:
    target:
      type: astro-env-vars
      organization_id: ${ORG}
      deployment_id: ${ASTRO_DEPLOYMENT}
      api_url: ${astro.v1Url}
      ${retry}
    sources: ${sourcesOf("astro-vars")}
    deletion: delete
  astro-env:
    target:
      type: astro-environment
      organization_id: ${ORG}
      workspace_id: ${WORKSPACE}
      link_deployments: [${ASTRO_DEPLOYMENT}]
      api_url: ${astro.v1Url}
      ${retry}
    sources: ${sourcesOf("astro-env")}
    deletion: delete
state: { type: target }
serve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`,
    );
    const workerPort = await freePort();
    const functionEnv: NodeJS.ProcessEnv = {
      [GCP_FUNCTION_ENV.config]: join(dir, "afsync.config.yaml"),
      [GCP_FUNCTION_ENV.syncTopic]: syncTopic,
      [GCP_FUNCTION_ENV.workTopic]: workTopic,
      [GCP_FUNCTION_ENV.workSubscriptionPrefix]: `projects/${PROJECT}/subscriptions/afsync-work-`,
      // The storm plays no window: each doorbell pulls what has landed by then.
      [GCP_FUNCTION_ENV.batchingWindowSeconds]: "0",
      [GCP_FUNCTION_ENV.pubsubEndpoint]: pubsub.endpoint,
      [GCP_FUNCTION_ENV.oidcAudience]: PUSH_AUDIENCE,
      [GCP_FUNCTION_ENV.oidcServiceAccount]: PUSH_SERVICE_ACCOUNT,
      // What Terraform's secret_environment_variables mount from Secret Manager in production.
      AFSYNC_HMAC_KEY: HMAC_KEY,
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD,
      ASTRO_API_TOKEN: ASTRO_TOKEN,
      AFSYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    };

    // Keys afsync does not own: they must come out byte-for-byte as they went in.
    for (const airflow of [airflow3, airflow2]) {
      airflow.state.seedConnection({ connection_id: "theirs_db", conn_type: "mysql", host: "theirs.internal", password: "their-pw" });
      airflow.state.seedVariable("theirs_var", "their value", "kept by hand");
    }
    astro
      .deployment(ORG, ASTRO_DEPLOYMENT)
      ?.environmentVariables.push({ key: "THEIR_SETTING", value: "keep-me", isSecret: false, updatedAt: "2026-01-01T00:00:00Z" });
    astro.seedEnvironmentObject(ORG, {
      objectKey: "theirs_api",
      objectType: "CONNECTION",
      scope: "WORKSPACE",
      scopeEntityId: WORKSPACE,
      connection: { type: "http", host: "api.theirs.internal" },
    });
    const unownedBefore = unownedSnapshot(airflow3, airflow2, astro);

    // The producers in this process, each served by functions-framework's test server.
    const coldStart = { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }), certs: GOOGLE_CERTS };
    registerGcpFunctions(gcpProducerDepsFromEnv(functionEnv, coldStart), async () => {
      throw new Error("the worker runs in its own process in this storm");
    });
    const urls = {} as Record<"push" | "events" | "reconcile", string>;
    for (const key of ["push", "events", "reconcile"] as const) {
      const server = getTestServer(GCP_FUNCTIONS[key]);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      urls[key] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    const authorization = () => `Bearer ${signGoogleToken(pushTokenClaims())}`;

    const workerEnv = {
      ...process.env,
      ...functionEnv,
      STORM_WORKER_PORT: String(workerPort),
      STORM_GOOGLE_CERTS: JSON.stringify(GOOGLE_CERTS),
    };
    // A restart is not waited for: the storm goes on, and the subscription keeps redelivering to
    // the dead URL (backing off) until the warm standby listens on it; then the next standby loads.
    // The standby takes over the worker's port (it listens once told to, after the kill).
    workers = new StormWorkers({ spawn: () => new StormWorkerProcess(workerScript, workerEnv, logLines), activation: "listen" });
    const pool = workers;
    pool.start(true);
    await pool.ready();
    // The worker topic's ordered push subscription, as Terraform declares it, to the worker's one URL.
    workerSubscription = pubsub.pushTo({
      topic: syncTopic,
      url: `http://127.0.0.1:${workerPort}/`,
      authorization,
      maxDeliveryAttempts: WORKER_MAX_DELIVERY_ATTEMPTS,
      retryDelayMs: WORKER_RETRY_DELAY_MS,
      maxRetryDelayMs: WORKER_MAX_RETRY_DELAY_MS,
    });
    const subscription = workerSubscription;

    const duplicateWrites = countDuplicateWrites(
      [airflow3, airflow2].flatMap((airflow) => [airflow.state.connections, airflow.state.variables]),
    );

    const connectionIds = Array.from({ length: size.keys }, (_, i) => `storm_conn_${i}`);
    const variableNames = Array.from({ length: size.keys }, (_, i) => `storm_var_${i}`);
    const exists = new Set<string>();
    let notificationRetries = 0;
    const deliver = async (notification: SecretManagerNotification) => {
      // Half through Pub/Sub push to `push`, half as Eventarc's CloudEvent to `events`.
      const target =
        random.next() < 0.5
          ? { url: urls.push, shape: "push" as const, authorization }
          : { url: urls.events, shape: "cloudevent" as const, authorization };
      for (let attempt = 1; attempt <= NOTIFICATION_ATTEMPTS; attempt++) {
        const result = await deliverNotification(notification, target).catch(() => ({ acked: false }));
        if (result.acked) return;
        notificationRetries += attempt < NOTIFICATION_ATTEMPTS ? 1 : 0;
      }
      // Not acknowledged in all its attempts: lost, and the reconciliation must catch it.
      count("notification-lost-in-producer");
    };
    const reconcile = async (firing: string) => {
      const response = await fetch(urls.reconcile, {
        method: "POST",
        headers: { authorization: authorization(), "x-cloudscheduler-scheduletime": firing },
      });
      await response.arrayBuffer();
      if (response.status !== 202) count(`reconcile-${response.status}`);
    };
    const eventFaults = new EventFaults<SecretManagerNotification>(
      random,
      async (notifications) => {
        for (const notification of notifications) await deliver(notification);
      },
      count,
    );
    let midApplyKills = 0;
    const kill = () =>
      killMidApply({
        random,
        worker: () => pool.ready(),
        // The next target writes are slowed so the push request is in flight.
        slowTargets: () => {
          for (const target of [airflow3, airflow2, astro]) target.inject({ latencyMs: 150, times: 2 });
        },
        aim: "new",
        count,
        targets: [airflow3, airflow2, astro],
        afterKill: (killed) => {
          pool.retire(killed);
          pool.start(true);
        },
      });

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, gcp, pubsub, count);
      injectTargetFault(random, { airflow3, airflow2, astro }, count);
      const emitted = await emittedDuring(gcp.onNotification, () => mutate(random, admin, connectionIds, variableNames, exists, sentinels));
      for (const notification of emitted) await eventFaults.offer([notification]);
      await eventFaults.maybeRelease();
      if (random.next() < 0.04) {
        count("scheduled-reconcile");
        await reconcile(`storm-${n}`);
      }
      if (midApplyKills < killsDueBy(n, size.kills, size.events)) midApplyKills += await kill();
    }
    await eventFaults.releaseAll();
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      await reconcile(`storm-kill-${tries}`);
      midApplyKills += await kill();
    }

    // The last fault: drop whatever target faults are still pending (provider faults are one-shot
    // on read methods, and the truth's reads below go past any left over).
    for (const airflow of [airflow3, airflow2]) airflow.faults.clear();
    astro.clearFaults();
    let truths: Partial<Record<GcpDeploymentName, DeploymentTruth>> = {};
    const convergence = await awaitConvergence({
      settle: async () => {
        await pool.ready();
        await subscription.settled();
      },
      compare: async () => {
        const state = await readProviderState(admin, PROJECT);
        truths = Object.fromEntries(
          Object.entries(GCP_DEPLOYMENTS).map(([id, d]) => [id, mergeSources(d.sources.map((source) => state[source]))]),
        );
        return compareAll(truths, airflow3, airflow2, astro);
      },
      reconcile: (round) => reconcile(`storm-final-${round}`),
    });

    const deadLettered = subscription.deadLettered.map((message) => {
      const statuses = subscription.attempts.filter((a) => a.messageId === message.messageId).map((a) => a.status);
      const tally = [...new Set(statuses)].map(
        (s) => `${statuses.filter((x) => x === s).length}× ${s === 0 ? "unreachable" : `HTTP ${s}`}`,
      );
      return {
        deployment: message.orderingKey,
        attempts: statuses.length,
        why: `not acknowledged in max_delivery_attempts (${WORKER_MAX_DELIVERY_ATTEMPTS}): ${tally.join(", ")}`,
      };
    });
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      deployments: targetTypes(GCP_DEPLOYMENTS),
      faultsInjected: faults.byKind,
      workerKills: { midApply: midApplyKills },
      retries: { workerTopic: subscription.attempts.filter((a) => a.attempt > 1).length, notifications: notificationRetries },
      duplicateWrites: duplicateWrites.value,
      targetWriteCalls: { airflow3: airflow3.writeCalls(), airflow2: airflow2.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: convergence.mismatches.length,
      ...convergence,
      unownedChanged: changedKeys(unownedBefore, unownedSnapshot(airflow3, airflow2, astro)),
      truthKeys: Object.fromEntries(Object.entries(truths).map(([id, t]) => [id, truthSize(t)])),
      deadLettered,
      peakRssMb: { runner: runnerPeakRssMb(), worker: pool.peakRssMb },
      logLines,
      sentinels,
    };
  } finally {
    (workerSubscription as PubSubPushSubscription | undefined)?.stop();
    await workers?.stop();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await admin.close();
    await Promise.all([gcp.close(), pubsub.close(), airflow3.close(), airflow2.close(), astro.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function compareAll(
  truths: Partial<Record<GcpDeploymentName, DeploymentTruth>>,
  airflow3: AirflowEmulator,
  airflow2: AirflowEmulator,
  astro: AstroEmulator,
): string[] {
  const truth = (id: GcpDeploymentName) => truths[id] ?? mergeSources([]);
  return [
    ...compareDeployment("af3", truth("af3"), airflowView(airflow3)),
    ...compareDeployment("af2", truth("af2"), airflowView(airflow2)),
    ...compareDeployment("astro-vars", truth("astro-vars"), astroEnvVarsView(astro, ORG, ASTRO_DEPLOYMENT)),
    ...compareDeployment("astro-env", truth("astro-env"), astroEnvironmentView(astro, { scope: "WORKSPACE", scopeEntityId: WORKSPACE })),
  ];
}

/** One change on a random key of a random source: create, new version, or delete. */
async function mutate(
  random: SeededRandom,
  admin: SecretManagerServiceClient,
  connectionIds: readonly string[],
  variableNames: readonly string[],
  exists: Set<string>,
  sentinels: string[],
): Promise<void> {
  const value = `storm-${random.token()}${random.token()}`;
  sentinels.push(value);
  const source: StormSourceName = random.next() < 0.6 ? "main" : "team";
  const isConnection = random.next() < 0.5;
  const secretId = isConnection
    ? `${STORM_PREFIXES[source].connections}${random.pick(connectionIds)}`
    : `${STORM_PREFIXES[source].variables}${random.pick(variableNames)}`;
  const parent = `projects/${PROJECT}`;
  const name = `${parent}/secrets/${secretId}`;
  const payload = isConnection ? `postgresql://app:${value}@h${random.token()}.internal:5432/db_${random.below(9)}` : value;
  if (exists.has(secretId) && random.next() < 0.15) {
    await admin.deleteSecret({ name });
    exists.delete(secretId);
    return;
  }
  if (!exists.has(secretId)) {
    await admin.createSecret({
      parent,
      secretId,
      secret: { replication: { automatic: {} }, topics: [{ name: NOTIFICATION_TOPIC }] },
    });
    exists.add(secretId);
  }
  await admin.addSecretVersion({ parent: name, payload: { data: Buffer.from(payload) } });
}

/**
 * 20% of events: the next Secret Manager read (whoever makes it: a producer or the worker) is
 * throttled or unavailable, or the next publish to the worker topic fails.
 */
function injectProviderFault(
  random: SeededRandom,
  gcp: GcpEmulator,
  pubsub: { inject(fault: { status: number; times: number; operationId: string }): void },
  count: (kind: string) => void,
): void {
  if (random.next() >= 0.2) return;
  const kind = random.below(5);
  if (kind === 4) {
    pubsub.inject({ status: 503, times: 1, operationId: "Publish" });
    count("pubsub-publish-UNAVAILABLE");
    return;
  }
  const status = kind < 2 ? 429 : 503;
  const operationId = kind % 2 === 0 ? "AccessSecretVersion" : "ListSecrets";
  gcp.inject({ status, times: 1, operationId });
  count(`provider-${status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE"}-${operationId}`);
}

/**
 * The keys afsync does not own, every stored field (timestamps included) serialized with sorted
 * field names.
 */
function unownedSnapshot(airflow3: AirflowEmulator, airflow2: AirflowEmulator, astro: AstroEmulator): Record<string, string> {
  const env = astro.deployment(ORG, ASTRO_DEPLOYMENT)?.environmentVariables ?? [];
  const theirs = astro.environmentObjects().find((o) => o.objectKey === "theirs_api");
  return {
    "af3 connection theirs_db": exactRecord(airflow3.state.connections.get("theirs_db")),
    "af3 variable theirs_var": exactRecord(airflow3.state.variables.get("theirs_var")),
    "af2 connection theirs_db": exactRecord(airflow2.state.connections.get("theirs_db")),
    "af2 variable theirs_var": exactRecord(airflow2.state.variables.get("theirs_var")),
    "astro-vars THEIR_SETTING": exactRecord(env.find((v) => v.key === "THEIR_SETTING")),
    "astro-env theirs_api": exactRecord(theirs),
  };
}

/** A free loopback port for the worker, which keeps it across restarts (the subscription's one URL). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
