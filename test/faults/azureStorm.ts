/**
 * A seeded fault storm over the Azure path: Key Vault writes (over @azure/keyvault-secrets) emit
 * Event Grid events, which go — in the Event Grid schema to the REAL Event Grid trigger handler,
 * or in either schema as a batch to the REAL Event Grid HTTP handler — onto the REAL Storage
 * Queue (Azurite), to the REAL queue-triggered worker under the REAL blob lease (Azurite), the
 * worker in a child process that the storm SIGKILLs in the middle of applies. The REAL timer
 * handler's reconciliation catches what no event announced (Key Vault sends none for a delete)
 * and what was lost. Four Deployments:
 *
 * - `af2`: Airflow 2.x (REST API v1), sources kv-team then kv (team-* secrets win);
 * - `af3`: Airflow 3.x (REST API v2), source kv;
 * - `astro-vars`: Astro Deployment env vars, the variables of kv;
 * - `astro-env`: Astro Environment Manager objects at Deployment scope, the connections of kv.
 *
 * No local-file target: the worker is a Functions app whose instances each have their own
 * scratch disk that scales in and out, so a file there is no Deployment anyone reads; and local
 * files cannot hold afsync's state, which this storm keeps in the targets (`state: target`). The
 * AWS storm runs the local file targets, as a worker on a host with a disk.
 *
 * Injected: Key Vault 429 (with Retry-After) and 500/503 on the worker's reads, target
 * 429/500/503/504 and slow answers, events duplicated, reordered and lost, and worker kills.
 * Afterwards every target is compared with the truth computed here, plainly, from the vault's
 * final state (read back over the SDK) and the first-listed-source-wins rule — never through
 * afsync's code.
 */
import { fileURLToPath } from "node:url";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import { type KeyVaultChangeEvent, type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { startAzurite } from "@afsync/testing/startAzurite";
import azureFunctions from "@azure/functions";
import { SecretClient } from "@azure/keyvault-secrets";
import { type QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { createEventGridHttpHandler } from "../../functions/azure/src/handlers/eventGridHttp.ts";
import { createEventGridTriggerHandler } from "../../functions/azure/src/handlers/eventGridTrigger.ts";
import { createReconcileTimerHandler } from "../../functions/azure/src/handlers/reconcileTimer.ts";
import { producerDepsFromEnv } from "../../functions/azure/src/runtime/functionDepsFromEnv.ts";
import { createSeededRandom, type SeededRandom } from "./createSeededRandom.ts";
import { awaitConvergence } from "./kit/awaitConvergence.ts";
import { backpressure } from "./kit/backpressure.ts";
import { compareDeployment } from "./kit/compareDeployment.ts";
import { countDuplicateWrites } from "./kit/countDuplicateWrites.ts";
import { type DeploymentTruth, mergeSources, type SourceState } from "./kit/DeploymentTruth.ts";
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

import { AZURE_DEPLOYMENTS, targetTypes } from "./stormDeployments.ts";

export type { StormSize } from "./kit/StormReport.ts";

// A webpack bundle: Node's CJS interop does not see these classes as named exports.
const { HttpRequest, InvocationContext } = azureFunctions;

export interface AzureStormReport extends StormReport {
  /** Messages the queue handed out again (a failed handler, a killed worker, a stale receipt). */
  readonly retries: number;
  readonly targetWriteCalls: { readonly airflow2: number; readonly airflow3: number; readonly astro: number };
  readonly truthKeys: { af2: number; af3: number; astroVariables: number; astroConnections: number; teamWins: number };
  readonly deadLettered: readonly { readonly body: string; readonly dequeueCount: number; readonly why: string }[];
  /** Wall time: emulators, Azurite and the first worker up; the storm itself; then until every target equals the truth. */
  readonly phasesMs: { readonly setup: number; readonly storm: number; readonly convergence: number };
}

const AIRFLOW_PASSWORD = "storm-az-airflow-admin-51d0";
const HMAC_KEY = "storm-az-hmac-0123456789abcdef-0123456789abcdef";
const ASTRO_TOKEN = "storm-az-astro-token-c3a8";
const EVENTGRID_KEY = "storm-az-eventgrid-key-7f21";
const QUEUE = "afsync-sync";
const ORG = "org-1";
const ASTRO_DEPLOYMENT = "dep-astro";
/** The worker's own setting (azureStormWorker.ts): the host moves a message to poison after this many dequeues. */
const MAX_DEQUEUE_COUNT = 10;
const workerScript = fileURLToPath(new URL("./azureStormWorker.ts", import.meta.url));

export async function runAzureStorm(seed: number, size: StormSize): Promise<AzureStormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const faults = new FaultCounter();
  const { count } = faults;

  const startedAt = Date.now();
  const [azurite, kv, airflow2, airflow3, astro] = await Promise.all([
    startAzurite(),
    startKeyVaultEmulator(),
    startAirflowEmulator({ apiVersion: 1, users: { admin: AIRFLOW_PASSWORD } }),
    startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } }),
    startAstroEmulator({ token: ASTRO_TOKEN }),
  ]);
  const sentinels = [AIRFLOW_PASSWORD, HMAC_KEY, ASTRO_TOKEN, EVENTGRID_KEY, kv.token];
  const writer = new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } });
  let workers: StormWorkers | undefined;
  try {
    astro.seedDeployment({
      id: ASTRO_DEPLOYMENT,
      organizationId: ORG,
      environmentVariables: [{ key: "THEIR_SETTING", value: "keep-me" }],
    });
    // Keys afsync does not own: they must come out byte-for-byte as they went in.
    for (const airflow of [airflow2, airflow3]) {
      airflow.state.seedConnection({ connection_id: "theirs_db", conn_type: "mysql", host: "theirs.internal", password: "their-pw" });
      airflow.state.seedVariable("theirs_var", "their value", "kept by hand");
    }
    astro.seedEnvironmentObject(ORG, {
      objectKey: "theirconn",
      objectType: "CONNECTION",
      scope: "DEPLOYMENT",
      scopeEntityId: ASTRO_DEPLOYMENT,
      connection: { type: "http", host: "their.example.internal" },
    });
    const unownedBefore = unownedSnapshot(airflow2, airflow3, astro);

    // What the Bicep template creates next to the app: the sync queue (the host makes the poison one).
    const queueService = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = queueService.getQueueClient(QUEUE);
    const poison = queueService.getQueueClient(`${QUEUE}-poison`);
    await queue.create();
    await poison.create();

    const config = `
sources:
  kv: { type: azure-key-vault, vault_url: "${kv.url}" }
  kv-team: { type: azure-key-vault, vault_url: "${kv.url}", connections_prefix: team-connections, variables_prefix: team-variables }
deployments:
  af2:
    target:
      type: airflow-api
      url: ${airflow2.url}
      api_version: 1
      auth: { type: basic, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [kv-team, kv]
    deletion: delete
  af3:
    target:
      type: airflow-api
      url: ${airflow3.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [kv]
    deletion: delete
  astro-vars:
    target:
      type: astro-env-vars
      organization_id: ${ORG}
      deployment_id: ${ASTRO_DEPLOYMENT}
      api_url: ${astro.v1Url}
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [kv]
    include: ["var:*"]
    deletion: delete
  astro-env:
    target:
      type: astro-environment
      organization_id: ${ORG}
      deployment_id: ${ASTRO_DEPLOYMENT}
      api_url: ${astro.v1Url}
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [kv]
    include: ["conn:*"]
    deletion: delete
state: { type: target }
serve: { eventgrid_key_env: AFSYNC_EVENTGRID_KEY }
`;
    // The app settings the Bicep template sets (secrets as Key Vault references, resolved by the platform).
    const appSettings: NodeJS.ProcessEnv = {
      AFSYNC_CONFIG: config,
      AzureWebJobsStorage: azurite.connectionString,
      AFSYNC_QUEUE_NAME: QUEUE,
      AFSYNC_LEASE_CONTAINER: "afsync-leases",
      AFSYNC_HMAC_KEY: HMAC_KEY,
      AFSYNC_EVENTGRID_KEY: EVENTGRID_KEY,
      AIRFLOW_USERNAME: "admin",
      AIRFLOW_PASSWORD,
      ASTRO_API_TOKEN: ASTRO_TOKEN,
    };
    const load = producerDepsFromEnv(appSettings, {
      logger: createJsonLineLogger({ write: (line) => logLines.push(line) }),
      azure: { credential: kv.credential, ca: kv.ca },
    });
    const handlers = {
      trigger: createEventGridTriggerHandler(load),
      http: createEventGridHttpHandler(load),
      reconcile: createReconcileTimerHandler(load),
    };
    // Why each message the worker moved to the poison queue was poisoned (its last error).
    const poisoned: { deployment: string; why: string }[] = [];
    // A standby worker warms up while the current one works, so a kill costs no cold start (on a
    // busy machine that is ten seconds of tsx and SDK loading); it polls once told to.
    workers = new StormWorkers({
      spawn: () =>
        new StormWorkerProcess(
          workerScript,
          { ...process.env, ...appSettings, AFSYNC_STORM_KV_TOKEN: kv.token, AFSYNC_STORM_KV_CA: kv.ca },
          logLines,
          (line) => {
            if (line.settled === "poisoned") poisoned.push({ deployment: String(line.deployment ?? ""), why: String(line.why ?? "") });
          },
        ),
      activation: "go",
    });
    const pool = workers;
    // Only while kills are still to come, and not both at once at the start: two cold starts in
    // parallel slow each other down.
    pool.start(false);
    await pool.ready();
    if (size.kills > 0) pool.warmStandby();
    const setupMs = Date.now() - startedAt;

    const duplicateWrites = countDuplicateWrites(
      [airflow2, airflow3].flatMap((airflow) => [airflow.state.connections, airflow.state.variables]),
    );

    let invocations = 0;
    const context = (functionName: string) => new InvocationContext({ invocationId: `storm-${++invocations}`, functionName });
    const timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: "", next: "", lastUpdated: "" } };
    const reconcile = () => handlers.reconcile(timer, context("reconcile"));

    /** Event Grid hands events over one of three ways; a refused delivery would be retried by Event Grid, so it is counted. */
    const deliver = async (events: readonly KeyVaultChangeEvent[]) => {
      const way = random.below(4);
      if (way < 2) {
        for (const event of events) {
          try {
            await handlers.trigger(event.eventGrid, context("keyVaultEvents"));
          } catch {
            count("delivery-failed");
          }
        }
        return;
      }
      const cloud = way === 3;
      const response = await handlers.http(
        new HttpRequest({
          method: "POST",
          url: `https://afsync.azurewebsites.net/api/eventgrid?code=${EVENTGRID_KEY}`,
          headers: {
            "content-type": cloud ? "application/cloudevents-batch+json" : "application/json",
            "aeg-event-type": "Notification",
          },
          body: { string: JSON.stringify(events.map((e) => (cloud ? e.cloudEvent : e.eventGrid))) },
        }),
        context("eventGridWebhook"),
      );
      if (response.status !== 200) count(`delivery-http-${response.status}`);
    };

    const keys = {
      connections: Array.from({ length: size.keys }, (_, i) => `stormc${i}`),
      variables: Array.from({ length: size.keys }, (_, i) => `stormv${i}`),
    };
    const live = new Set<string>();
    const deleted = new Set<string>();
    const eventFaults = new EventFaults<KeyVaultChangeEvent>(random, deliver, count);
    let midApplyKills = 0;
    const targets = { airflow2, airflow3, astro };
    const kill = () =>
      killMidApply({
        random,
        worker: () => pool.ready(),
        // One target is slowed so applies are in flight; the worker runs several at once.
        slowTargets: () => targets[random.pick(["airflow2", "airflow3", "astro"] as const)].inject({ latencyMs: 150, times: 2 }),
        aim: "any",
        count,
        targets: Object.values(targets),
        afterKill: (killed) => {
          pool.retire(killed);
          pool.start(midApplyKills + 1 < size.kills);
        },
      });

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, kv, count);
      injectTargetFault(random, targets, count);
      const emitted = await emittedDuring(kv.onEvent, () => mutate(random, writer, keys, live, deleted, sentinels, count));
      const roll = random.next();
      // A delete: Key Vault announces nothing, only the reconciliation finds it.
      if (emitted.length > 0) await eventFaults.offer(emitted, roll);
      await eventFaults.maybeRelease();
      if (random.next() < 0.05) {
        count("reconcile-timer");
        await reconcile();
      }
      // Kills spread over the first half of the events, so the lease the last one leaves
      // behind (15 s) runs out while events still come.
      if (midApplyKills < killsDueBy(n, size.kills, size.events, 0.5)) midApplyKills += await kill();
      await backpressure(async () => (await queue.getProperties()).approximateMessagesCount ?? 0);
    }
    await eventFaults.releaseAll();
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      await reconcile();
      midApplyKills += await kill();
    }

    // The last fault: drop whatever is still pending (faults fire only on requests that come).
    for (const f of [kv.faults, airflow2.faults, airflow3.faults]) f.clear();
    astro.clearFaults();
    if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} last fault\n`);
    const stormMs = Date.now() - startedAt - setupMs;
    const reader = new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } });
    let truth: AzureTruth | undefined;
    const convergence = await awaitConvergence({
      settle: async () => {
        await waitForIdle(queue, () => pool.current);
        if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} idle\n`);
      },
      compare: async () => {
        truth = truthOf(await readKeyVault(reader));
        return compareAll(truth, targets);
      },
      reconcile: () => reconcile(),
    });

    await pool.stop();
    if (pool.current !== undefined) pool.retire(pool.current);
    const deadLettered = await drainPoison(poison, poisoned);
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      deployments: targetTypes(AZURE_DEPLOYMENTS),
      faultsInjected: faults.byKind,
      workerKills: { midApply: midApplyKills },
      retries: pool.redelivered,
      duplicateWrites: duplicateWrites.value,
      targetWriteCalls: { airflow2: airflow2.writeCalls(), airflow3: airflow3.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: convergence.mismatches.length,
      ...convergence,
      unownedChanged: changedKeys(unownedBefore, unownedSnapshot(airflow2, airflow3, astro)),
      truthKeys: {
        af2: (truth?.deployments.af2.connections.size ?? 0) + (truth?.deployments.af2.variables.size ?? 0),
        af3: (truth?.deployments.af3.connections.size ?? 0) + (truth?.deployments.af3.variables.size ?? 0),
        astroVariables: truth?.deployments["astro-vars"].variables.size ?? 0,
        astroConnections: truth?.deployments["astro-env"].connections.size ?? 0,
        teamWins: truth?.teamWins ?? 0,
      },
      deadLettered,
      phasesMs: { setup: setupMs, storm: stormMs, convergence: convergence.convergenceMsAfterLastFault },
      peakRssMb: { runner: runnerPeakRssMb(), worker: pool.peakRssMb },
      logLines,
      sentinels,
    };
  } finally {
    await workers?.stop();
    await Promise.all([airflow2.close(), airflow3.close(), astro.close(), kv.close()]);
    await azurite.stop();
  }
}

/**
 * One change on a random key over the SDK: a new version (a create or an update), or a delete.
 * A deleted name is not written again: in Key Vault it stays soft-deleted (a set answers 409)
 * until purged.
 */
async function mutate(
  random: SeededRandom,
  writer: SecretClient,
  keys: { connections: readonly string[]; variables: readonly string[] },
  live: Set<string>,
  deleted: Set<string>,
  sentinels: string[],
  count: (kind: string) => void,
): Promise<void> {
  const where = random.below(5);
  const isConnection = where === 0 || where === 2 || where === 4;
  const team = where >= 3;
  const id = random.pick(isConnection ? keys.connections : keys.variables);
  const name = `${team ? "team" : "airflow"}-${isConnection ? "connections" : "variables"}-${id}`;
  const value = `storm-${random.token()}${random.token()}`;
  if (live.has(name) && random.next() < 0.1) {
    const poller = await writer.beginDeleteSecret(name, { intervalInMs: 1 });
    await poller.pollUntilDone();
    live.delete(name);
    deleted.add(name);
    count("secret-deleted");
    return;
  }
  if (deleted.has(name)) return; // nothing changes: the event a storm would have sent is none
  sentinels.push(value);
  await writer.setSecret(name, isConnection ? `postgresql://app:${value}@h${random.token()}.internal:5432/db_${random.below(9)}` : value);
  live.add(name);
}

/** 20% of events: the worker's next Key Vault read is throttled (with Retry-After) or fails. */
function injectProviderFault(random: SeededRandom, kv: KeyVaultEmulator, count: (kind: string) => void): void {
  if (random.next() >= 0.2) return;
  const operationId = random.next() < 0.8 ? ("GetSecret" as const) : ("GetSecrets" as const);
  const kind = random.below(3);
  if (kind === 0) kv.inject({ status: 429, retryAfterSeconds: random.below(2), operationId });
  else kv.inject({ status: kind === 1 ? 500 : 503, operationId });
  count(`provider-keyvault-${["429", "500", "503"][kind]}`);
}

interface Targets {
  readonly airflow2: AirflowEmulator;
  readonly airflow3: AirflowEmulator;
  readonly astro: AstroEmulator;
}

/**
 * Until the queue holds nothing (Storage Queues count hidden messages too) and the worker runs
 * nothing, twice in a row. A killed worker's messages come back when their visibility ends and
 * wait out the lease it left behind, so this can take the worker's visibility timeout.
 */
async function waitForIdle(queue: QueueClient, current: () => StormWorkerProcess | undefined): Promise<void> {
  const deadline = Date.now() + 180_000;
  let idle = 0;
  while (Date.now() < deadline) {
    const depth = (await queue.getProperties()).approximateMessagesCount ?? 0;
    const running = current()?.inFlight.size ?? 0;
    idle = depth === 0 && running === 0 ? idle + 1 : 0;
    if (idle >= 2) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the sync queue did not drain within 180 s");
}

/** The poison queue's messages, each with the reason the worker gave when it poisoned one for that Deployment. */
async function drainPoison(
  poison: QueueClient,
  reasons: readonly { deployment: string; why: string }[],
): Promise<AzureStormReport["deadLettered"]> {
  const left = [...reasons];
  const out: { body: string; dequeueCount: number; why: string }[] = [];
  for (;;) {
    const got = await poison.receiveMessages({ numberOfMessages: 32 });
    if (got.receivedMessageItems.length === 0) return out;
    for (const item of got.receivedMessageItems) {
      const body = Buffer.from(item.messageText, "base64").toString("utf8");
      const deployment = String((JSON.parse(body) as { deployment?: unknown }).deployment ?? "");
      const at = left.findIndex((r) => r.deployment === deployment);
      const why = at >= 0 ? (left.splice(at, 1)[0]?.why ?? "") : "no reason recorded";
      out.push({ body, dequeueCount: MAX_DEQUEUE_COUNT, why: `failed ${MAX_DEQUEUE_COUNT} times; last: ${why}` });
      await poison.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** Each Deployment's truth, and how often kv-team's value won over kv's. */
interface AzureTruth {
  readonly deployments: Record<keyof typeof AZURE_DEPLOYMENTS, DeploymentTruth>;
  /** Keys af2 takes from kv-team although kv holds them too. */
  readonly teamWins: number;
}

/**
 * The vault's final state, read back over the SDK and split by source: the secret name
 * `<prefix>-<id>` (the storm's ids hold no `_`, so the naming is not lossy); a disabled secret
 * holds nothing.
 */
async function readKeyVault(reader: SecretClient): Promise<{ kv: SourceState; "kv-team": SourceState }> {
  const read = new Map<string, string>();
  for await (const properties of reader.listPropertiesOfSecrets()) {
    if (properties.enabled === false) continue;
    const secret = await reader.getSecret(properties.name);
    read.set(properties.name, secret.value ?? "");
  }
  const of = (prefix: string): SourceState => {
    const connections = new Map<string, string>();
    const variables = new Map<string, string>();
    for (const [name, value] of read) {
      if (name.startsWith(`${prefix}-connections-`)) connections.set(name.slice(`${prefix}-connections-`.length), value);
      if (name.startsWith(`${prefix}-variables-`)) variables.set(name.slice(`${prefix}-variables-`.length), value);
    }
    return { connections, variables };
  };
  return { kv: of("airflow"), "kv-team": of("team") };
}

/** The first listed source wins; astro-vars takes kv's variables only, astro-env its connections only (include filters). */
function truthOf(state: { kv: SourceState; "kv-team": SourceState }): AzureTruth {
  const { kv, "kv-team": team } = state;
  const teamWins =
    [...team.connections.keys()].filter((k) => kv.connections.has(k)).length +
    [...team.variables.keys()].filter((k) => kv.variables.has(k)).length;
  return {
    deployments: {
      af2: mergeSources([team, kv]),
      af3: mergeSources([kv]),
      "astro-vars": mergeSources([kv], "variables"),
      "astro-env": mergeSources([kv], "connections"),
    },
    teamWins,
  };
}

/** Every difference between the truth and the targets, by key (values never named). */
function compareAll(truth: AzureTruth, targets: Targets): string[] {
  const want = truth.deployments;
  return [
    ...compareDeployment("af2", want.af2, airflowView(targets.airflow2)),
    ...compareDeployment("af3", want.af3, airflowView(targets.airflow3)),
    ...compareDeployment("astro-vars", want["astro-vars"], astroEnvVarsView(targets.astro, ORG, ASTRO_DEPLOYMENT)),
    ...compareDeployment(
      "astro-env",
      want["astro-env"],
      astroEnvironmentView(targets.astro, { scope: "DEPLOYMENT", scopeEntityId: ASTRO_DEPLOYMENT }),
    ),
  ];
}

/** The keys afsync does not own, every stored field (updatedAt included). */
function unownedSnapshot(airflow2: AirflowEmulator, airflow3: AirflowEmulator, astro: AstroEmulator): Record<string, string> {
  const env = astro.deployment(ORG, ASTRO_DEPLOYMENT)?.environmentVariables ?? [];
  return {
    "af2 connection theirs_db": exactRecord(airflow2.state.connections.get("theirs_db")),
    "af2 variable theirs_var": exactRecord(airflow2.state.variables.get("theirs_var")),
    "af3 connection theirs_db": exactRecord(airflow3.state.connections.get("theirs_db")),
    "af3 variable theirs_var": exactRecord(airflow3.state.variables.get("theirs_var")),
    "astro THEIR_SETTING": exactRecord(env.find((v) => v.key === "THEIR_SETTING")),
    "astro-env theirconn": exactRecord(astro.environmentObjects().find((o) => o.objectKey === "theirconn")),
  };
}
