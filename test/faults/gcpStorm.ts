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
 * Airflow reads — an `airflow-settings` or `env-file` target there would be written to nowhere.
 *
 * Injected: Secret Manager RESOURCE_EXHAUSTED/UNAVAILABLE (gRPC), Pub/Sub Publish UNAVAILABLE,
 * target 429 (with Retry-After)/500/503/504 and slow answers, notifications duplicated, reordered
 * and lost, and worker kills. Afterwards every target is compared with the truth computed in
 * stormGcpTruth.ts from the emulator's final state, never through afsync's code.
 */
import { type ChildProcess, spawn } from "node:child_process";
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
import {
  compareAirflow,
  compareAstroEnvironment,
  compareAstroEnvVars,
  type DeploymentTruth,
  exactRecord,
  mergeSources,
  readProviderState,
  STORM_PREFIXES,
  type StormSourceName,
} from "./stormGcpTruth.ts";

export interface StormSize {
  readonly events: number;
  /** Connection ids and variable names each (each may live in either source or both). */
  readonly keys: number;
  readonly kills: number;
}

export interface GcpStormReport {
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly deployments: readonly string[];
  readonly faultsInjected: Record<string, number>;
  readonly workerKills: { readonly midApply: number };
  /** Deliveries made again: worker-topic messages nacked or unreachable, notifications not acknowledged. */
  readonly retries: { readonly workerTopic: number; readonly notifications: number };
  /** Airflow writes that stored exactly what the key already held. */
  readonly duplicateWrites: number;
  readonly targetWriteCalls: { readonly airflow3: number; readonly airflow2: number; readonly astro: number };
  readonly lostUpdates: number;
  readonly mismatches: readonly string[];
  readonly unownedChanged: readonly string[];
  /** Keys the event path alone left wrong (lost events, dead letters) that a reconciliation had to repair. */
  readonly mismatchesBeforeReconciliation: number;
  readonly reconciliationRounds: number;
  /** What the truth held at the end, per Deployment: a storm that ended with empty targets would prove nothing. */
  readonly truthKeys: Record<string, { connections: number; variables: number }>;
  readonly convergenceMsAfterLastFault: number;
  readonly deadLettered: readonly { readonly deployment: string; readonly attempts: number; readonly why: string }[];
  readonly peakRssMb: { readonly runner: number; readonly worker: number };
  /** Log lines of every process (for the leak check; not printed). */
  readonly logLines: readonly string[];
  readonly sentinels: readonly string[];
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
/** Which sources each Deployment reads, first listed wins. */
const DEPLOYMENT_SOURCES: Record<string, readonly StormSourceName[]> = {
  af3: ["main", "team"],
  af2: ["team", "main"],
  "astro-vars": ["main"],
  "astro-env": ["team", "main"],
};
const workerScript = fileURLToPath(new URL("./gcpStormWorker.ts", import.meta.url));

/** The worker child and what it said. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly applying = new Set<number>();
  readonly done = new Set<number>();
  loaded = false;
  ready = false;
  peakRssMb = 0;
  #buffer = "";
  readonly #listeners = new Set<() => void>();

  constructor(env: NodeJS.ProcessEnv, logLines: string[]) {
    this.child = spawn(process.execPath, [workerScript], { env, stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => logLines.push(chunk));
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      this.#buffer += chunk;
      let nl = this.#buffer.indexOf("\n");
      while (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        logLines.push(line);
        const message = JSON.parse(line) as { loaded?: boolean; ready?: boolean; applying?: number; done?: number; rssMb?: number };
        if (message.loaded) this.loaded = true;
        if (message.ready) this.ready = true;
        if (message.applying !== undefined) this.applying.add(message.applying);
        if (message.done !== undefined) this.done.add(message.done);
        if (message.rssMb !== undefined) this.peakRssMb = Math.max(this.peakRssMb, message.rssMb);
        for (const listener of this.#listeners) listener();
        nl = this.#buffer.indexOf("\n");
      }
    });
    this.child.once("exit", () => {
      for (const listener of this.#listeners) listener();
    });
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resolves when `predicate` holds after a line arrives (or at once), or rejects after `ms`. */
  until(predicate: () => boolean, ms: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`worker did not get there within ${ms} ms`));
      }, ms);
      const check = () => {
        if (!predicate() && !this.exited) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (predicate()) resolve();
        else reject(new Error(`worker exited with ${this.child.exitCode ?? this.child.signalCode}`));
      };
      this.#listeners.add(check);
    });
  }

  /** Takes over the worker's port (the process may still be loading; it listens once loaded). */
  activate(): void {
    this.child.stdin?.write("listen\n");
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (this.exited) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }
}

export async function runGcpStorm(seed: number, size: StormSize): Promise<GcpStormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const sentinels = [AIRFLOW_PASSWORD, HMAC_KEY, ASTRO_TOKEN, WEBHOOK_SECRET];
  const faults: Record<string, number> = {};
  const count = (kind: string) => {
    faults[kind] = (faults[kind] ?? 0) + 1;
  };

  const gcp = await startGcpEmulator({ projectId: PROJECT });
  const pubsub = await startPubSubEmulator({ projectId: PROJECT });
  const airflow3 = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  const airflow2 = await startAirflowEmulator({ apiVersion: 1, users: { admin: AIRFLOW_PASSWORD } });
  const astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  const admin = adminClient(gcp);
  const dir = mkdtempSync(join(tmpdir(), "afsync-gcp-storm-"));
  const servers: Server[] = [];
  let worker: WorkerProcess | undefined;
  let stopStandby = async () => {};
  let workerSubscription: PubSubPushSubscription | undefined;
  try {
    astro.seedDeployment({ id: ASTRO_DEPLOYMENT, organizationId: ORG, workspaceId: WORKSPACE });
    const syncTopic = pubsub.createTopic("afsync-sync");
    // ADR 008's path, as Terraform declares it: the work topic and one filtered pull subscription
    // per Deployment (ack deadline at Pub/Sub's minimum, so a killed worker's leases run out soon).
    const workTopic = pubsub.createTopic("afsync-work");
    for (const deployment of Object.keys(DEPLOYMENT_SOURCES))
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
    const sourcesOf = (deployment: string) => `[${(DEPLOYMENT_SOURCES[deployment] ?? []).map((s) => `gcp-${s}`).join(", ")}]`;
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
    let peakWorkerRssMb = 0;
    // A restart is not waited for: the storm goes on, and the subscription keeps redelivering to
    // the dead URL (backing off) until the warm standby listens on it; then the next standby loads.
    let standby = new WorkerProcess(workerEnv, logLines);
    const startWorker = () => {
      if (worker) peakWorkerRssMb = Math.max(peakWorkerRssMb, worker.peakRssMb);
      worker = standby;
      worker.activate();
      standby = new WorkerProcess(workerEnv, logLines);
    };
    stopStandby = () => standby.kill();
    const workerReady = () => {
      const current = worker as WorkerProcess;
      return current.until(() => current.ready, 60_000);
    };
    startWorker();
    await workerReady();
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

    // Duplicate writes: a stored entry replaced by an identical one.
    let duplicateWrites = 0;
    const countSame = <V>(map: Map<string, V>) => {
      const set = map.set.bind(map);
      map.set = (key: string, value: V) => {
        if (map.has(key) && JSON.stringify(map.get(key)) === JSON.stringify(value)) duplicateWrites += 1;
        return set(key, value);
      };
    };
    for (const airflow of [airflow3, airflow2]) {
      countSame(airflow.state.connections);
      countSame(airflow.state.variables);
    }

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
    const heldBack: SecretManagerNotification[] = [];
    const killsDueBy = (n: number) => Math.floor(((n + 1) * size.kills) / size.events);
    let midApplyKills = 0;
    const kill = async () => {
      await workerReady();
      return killMidApply(random, [airflow3, airflow2], astro, () => worker, startWorker, count);
    };

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, gcp, pubsub, count);
      injectTargetFault(random, [airflow3, airflow2], astro, count);
      const emitted = await notificationsOf(gcp, () => mutate(random, admin, connectionIds, variableNames, exists, sentinels));
      for (const notification of emitted) {
        const roll = random.next();
        if (roll < 0.05) count("event-lost");
        else if (roll < 0.2) {
          count("event-duplicated");
          await deliver(notification);
          await deliver(notification);
        } else if (roll < 0.35) {
          count("event-reordered");
          heldBack.push(notification);
        } else await deliver(notification);
      }
      if (heldBack.length > 0 && random.next() < 0.3) for (const event of heldBack.splice(0).reverse()) await deliver(event);
      if (random.next() < 0.04) {
        count("scheduled-reconcile");
        await reconcile(`storm-${n}`);
      }
      if (midApplyKills < killsDueBy(n)) midApplyKills += await kill();
    }
    for (const notification of heldBack.splice(0)) await deliver(notification);
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      await reconcile(`storm-kill-${tries}`);
      midApplyKills += await kill();
    }

    // The last fault: drop whatever target faults are still pending (provider faults are one-shot
    // on read methods, and the truth's reads below go past any left over).
    for (const airflow of [airflow3, airflow2]) airflow.faults.clear();
    astro.clearFaults();
    const lastFaultAt = Date.now();
    let rounds = 0;
    let mismatches: string[] = [];
    let truths: Record<string, DeploymentTruth> = {};
    let mismatchesBeforeReconciliation: number | undefined;
    await workerReady();
    for (; rounds < 6; rounds++) {
      await subscription.settled();
      const state = await readProviderState(admin, PROJECT);
      truths = Object.fromEntries(Object.entries(DEPLOYMENT_SOURCES).map(([id, order]) => [id, mergeSources(state, order)]));
      mismatches = compareAll(truths, airflow3, airflow2, astro);
      mismatchesBeforeReconciliation ??= mismatches.length;
      if (mismatches.length === 0) break;
      await reconcile(`storm-final-${rounds}`);
    }
    const convergenceMsAfterLastFault = Date.now() - lastFaultAt;

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
    const unownedAfter = unownedSnapshot(airflow3, airflow2, astro);
    const unownedChanged = Object.keys(unownedBefore).filter((k) => unownedBefore[k] !== unownedAfter[k]);
    peakWorkerRssMb = Math.max(peakWorkerRssMb, (worker as WorkerProcess | undefined)?.peakRssMb ?? 0);
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      deployments: Object.keys(DEPLOYMENT_SOURCES),
      faultsInjected: faults,
      workerKills: { midApply: midApplyKills },
      retries: { workerTopic: subscription.attempts.filter((a) => a.attempt > 1).length, notifications: notificationRetries },
      duplicateWrites,
      targetWriteCalls: { airflow3: airflow3.writeCalls(), airflow2: airflow2.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: mismatches.length,
      mismatches,
      unownedChanged,
      mismatchesBeforeReconciliation: mismatchesBeforeReconciliation ?? 0,
      reconciliationRounds: rounds,
      truthKeys: Object.fromEntries(
        Object.entries(truths).map(([id, t]) => [id, { connections: t.connections.size, variables: t.variables.size }]),
      ),
      convergenceMsAfterLastFault,
      deadLettered,
      peakRssMb: { runner: Math.round(process.resourceUsage().maxRSS / 1024), worker: peakWorkerRssMb },
      logLines,
      sentinels,
    };
  } finally {
    (workerSubscription as PubSubPushSubscription | undefined)?.stop();
    await (worker as WorkerProcess | undefined)?.kill();
    await stopStandby();
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
  truths: Record<string, DeploymentTruth>,
  airflow3: AirflowEmulator,
  airflow2: AirflowEmulator,
  astro: AstroEmulator,
): string[] {
  const truth = (id: string) => truths[id] ?? { connections: new Map(), variables: new Map() };
  return [
    ...compareAirflow("af3", truth("af3"), airflow3),
    ...compareAirflow("af2", truth("af2"), airflow2),
    ...compareAstroEnvVars("astro-vars", truth("astro-vars"), astro, ORG, ASTRO_DEPLOYMENT),
    ...compareAstroEnvironment("astro-env", truth("astro-env"), astro, WORKSPACE),
  ];
}

/** The notifications a block of client calls makes the emulator publish. */
async function notificationsOf(gcp: GcpEmulator, action: () => Promise<unknown>): Promise<SecretManagerNotification[]> {
  const seen: SecretManagerNotification[] = [];
  const stop = gcp.onNotification((n) => seen.push(n));
  try {
    await action();
  } finally {
    stop();
  }
  return seen;
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

/** 20% of events: the next call to one target fails or answers slowly. */
function injectTargetFault(
  random: SeededRandom,
  airflows: readonly AirflowEmulator[],
  astro: AstroEmulator,
  count: (kind: string) => void,
): void {
  if (random.next() >= 0.2) return;
  const which = random.below(3);
  const target = which < 2 ? (airflows[which] as AirflowEmulator) : astro;
  const name = ["airflow3", "airflow2", "astro"][which];
  const kind = random.below(5);
  if (kind === 0) target.inject({ status: 429, retryAfterSeconds: 0, times: 1 });
  else if (kind === 1) target.inject({ status: 500, times: 1 });
  else if (kind === 2) target.inject({ status: 503, times: 1 });
  else if (kind === 3) target.inject({ status: 504, times: 1 });
  else target.inject({ latencyMs: 200, times: 1 });
  count(`target-${name}-${["429", "500", "503", "504", "slow"][kind]}`);
}

/**
 * Kills the worker between a push request's arrival and its answer: the next target writes are
 * slowed so the apply is in flight, then SIGKILL after a random few milliseconds. Returns 1 when
 * the kill landed mid-apply, 0 when every try came too late or nothing was being applied.
 */
async function killMidApply(
  random: SeededRandom,
  airflows: readonly AirflowEmulator[],
  astro: AstroEmulator,
  current: () => WorkerProcess | undefined,
  restart: () => void,
  count: (kind: string) => void,
): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const worker = current();
    if (worker === undefined) return 0;
    for (const airflow of airflows) airflow.inject({ latencyMs: 150, times: 2 });
    astro.inject({ latencyMs: 150, times: 2 });
    const seen = worker.applying.size;
    try {
      await worker.until(() => worker.applying.size > seen, 5_000);
    } catch {
      return 0; // nothing to apply right now
    }
    const request = Math.max(...worker.applying);
    await new Promise((r) => setTimeout(r, random.below(60)));
    if (worker.done.has(request)) continue;
    await worker.kill();
    count("worker-sigkill");
    restart();
    return 1;
  }
  return 0;
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
