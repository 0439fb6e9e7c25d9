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
 * scratch disk that scales in and out, so a file there is no Deployment anyone reads.
 *
 * Injected: Key Vault 429 (with Retry-After) and 500/503 on the worker's reads, target
 * 429/500/503/504 and slow answers, events duplicated, reordered and lost, and worker kills.
 * Afterwards every target is compared with the truth computed here, plainly, from the vault's
 * final state (read back over the SDK) and the first-listed-source-wins rule — never through
 * afsync's code.
 */
import { type ChildProcess, spawn } from "node:child_process";
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
import type { StormSize } from "./awsStorm.ts";
import { createSeededRandom, type SeededRandom } from "./createSeededRandom.ts";

export type { StormSize } from "./awsStorm.ts";

// A webpack bundle: Node's CJS interop does not see these classes as named exports.
const { HttpRequest, InvocationContext } = azureFunctions;

export interface AzureStormReport {
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly faultsInjected: Record<string, number>;
  readonly workerKills: { readonly midApply: number };
  /** Messages the queue handed out again (a failed handler, a killed worker, a stale receipt). */
  readonly retries: number;
  /** Airflow writes that stored exactly what the key already held. */
  readonly duplicateWrites: number;
  readonly targetWriteCalls: { readonly airflow2: number; readonly airflow3: number; readonly astro: number };
  readonly lostUpdates: number;
  readonly mismatches: readonly string[];
  readonly unownedChanged: readonly string[];
  /** Keys the event path alone left wrong (lost events, deletes, dead letters) that a reconciliation had to repair. */
  readonly mismatchesBeforeReconciliation: number;
  readonly reconciliationRounds: number;
  /** What the truth held at the end: a storm that ended with empty targets would prove nothing. */
  readonly truthKeys: { af2: number; af3: number; astroVariables: number; astroConnections: number; teamWins: number };
  readonly convergenceMsAfterLastFault: number;
  readonly deadLettered: readonly { readonly body: string; readonly dequeueCount: number; readonly why: string }[];
  /** Wall time: emulators, Azurite and the first worker up; the storm itself; then until every target equals the truth. */
  readonly phasesMs: { readonly setup: number; readonly storm: number; readonly convergence: number };
  readonly peakRssMb: { readonly runner: number; readonly worker: number };
  /** Log lines of every process (for the leak check; not printed). */
  readonly logLines: readonly string[];
  readonly sentinels: readonly string[];
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

/** The worker child and what it said. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly inFlight = new Set<number>();
  handed = 0;
  redelivered = 0;
  peakRssMb = 0;
  ready = false;
  readonly poisoned: { deployment: string; why: string }[] = [];
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
        if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} ${line}\n`);
        this.#take(JSON.parse(line));
        for (const listener of this.#listeners) listener();
        nl = this.#buffer.indexOf("\n");
      }
    });
    this.child.on("exit", () => {
      for (const listener of this.#listeners) listener();
    });
  }

  #take(message: {
    ready?: boolean;
    applying?: number;
    dequeueCount?: number;
    done?: number;
    deployment?: string;
    settled?: string;
    why?: string;
    rssMb?: number;
  }): void {
    if (message.ready) this.ready = true;
    if (message.applying !== undefined) {
      this.inFlight.add(message.applying);
      this.handed += 1;
      if ((message.dequeueCount ?? 1) > 1) this.redelivered += 1;
    }
    if (message.done !== undefined) this.inFlight.delete(message.done);
    if (message.settled === "poisoned") this.poisoned.push({ deployment: message.deployment ?? "", why: message.why ?? "" });
    if (message.rssMb !== undefined) this.peakRssMb = Math.max(this.peakRssMb, message.rssMb);
  }

  /** Tells it to start polling (as soon as it is ready). */
  activate(): void {
    this.child.stdin?.write("go\n");
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
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
        if (!predicate()) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve();
      };
      this.#listeners.add(check);
    });
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.alive) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }
}

/** What every worker process said, summed over all the storm started and killed. */
class WorkerStats {
  redelivered = 0;
  peakRssMb = 0;
  readonly poisoned: { deployment: string; why: string }[] = [];
  retire(worker: WorkerProcess): void {
    this.redelivered += worker.redelivered;
    this.peakRssMb = Math.max(this.peakRssMb, worker.peakRssMb);
    this.poisoned.push(...worker.poisoned);
  }
}

export async function runAzureStorm(seed: number, size: StormSize): Promise<AzureStormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const faults: Record<string, number> = {};
  const count = (kind: string) => {
    faults[kind] = (faults[kind] ?? 0) + 1;
  };

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
  let worker: WorkerProcess | undefined;
  let standby: WorkerProcess | undefined;
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
    const stats = new WorkerStats();
    // A standby worker warms up while the current one works, so a kill costs no cold start (on a
    // busy machine that is ten seconds of tsx and SDK loading); it polls once told to.
    const spawnWorker = () =>
      new WorkerProcess({ ...process.env, ...appSettings, AFSYNC_STORM_KV_TOKEN: kv.token, AFSYNC_STORM_KV_CA: kv.ca }, logLines);
    // Only while kills are still to come, and not both at once at the start: two cold starts in
    // parallel slow each other down.
    const startWorker = (spareNeeded: boolean) => {
      if (worker !== undefined) stats.retire(worker);
      worker = standby ?? spawnWorker();
      worker.activate();
      standby = spareNeeded ? spawnWorker() : undefined;
    };
    startWorker(false);
    await readyWorker(() => worker);
    if (size.kills > 0) standby = spawnWorker();
    const setupMs = Date.now() - startedAt;

    // Duplicate writes: a stored entry replaced by an identical one.
    let duplicateWrites = 0;
    const countSame = <V>(map: Map<string, V>) => {
      const set = map.set.bind(map);
      map.set = (key: string, value: V) => {
        if (map.has(key) && JSON.stringify(map.get(key)) === JSON.stringify(value)) duplicateWrites += 1;
        return set(key, value);
      };
    };
    for (const airflow of [airflow2, airflow3]) {
      countSame(airflow.state.connections);
      countSame(airflow.state.variables);
    }

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
    const heldBack: KeyVaultChangeEvent[] = [];
    // Kills due by event n, spread evenly over the first half, so the lease the last one
    // leaves behind (15 s) runs out while events still come; one that found nothing in flight is
    // owed to the next event.
    const killsDueBy = (n: number) => Math.min(size.kills, Math.floor(((n + 1) * size.kills) / Math.ceil(size.events * 0.5)));
    let midApplyKills = 0;
    const targets = { airflow2, airflow3, astro };
    const kill = () =>
      killMidApply(
        random,
        targets,
        () => worker,
        () => startWorker(midApplyKills + 1 < size.kills),
        count,
      );

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, kv, count);
      injectTargetFault(random, targets, count);
      const emitted = await eventsOf(kv, () => mutate(random, writer, keys, live, deleted, sentinels, count));
      const roll = random.next();
      if (emitted.length === 0) {
        // A delete: Key Vault announces nothing, only the reconciliation finds it.
      } else if (roll < 0.05) count("event-lost");
      else if (roll < 0.2) {
        count("event-duplicated");
        await deliver(emitted);
        await deliver(emitted);
      } else if (roll < 0.35) {
        count("event-reordered");
        heldBack.push(...emitted);
      } else await deliver(emitted);
      if (heldBack.length > 0 && random.next() < 0.3) await deliver(heldBack.splice(0).reverse());
      if (random.next() < 0.05) {
        count("reconcile-timer");
        await reconcile();
      }
      if (midApplyKills < killsDueBy(n)) midApplyKills += await kill();
      await backpressure(queue);
    }
    if (heldBack.length > 0) await deliver(heldBack.splice(0).reverse());
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      await reconcile();
      midApplyKills += await kill();
    }

    // The last fault: drop whatever is still pending (faults fire only on requests that come).
    for (const f of [kv.faults, airflow2.faults, airflow3.faults]) f.clear();
    astro.clearFaults();
    const lastFaultAt = Date.now();
    if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} last fault\n`);
    const stormMs = lastFaultAt - startedAt - setupMs;
    const reader = new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } });
    let rounds = 0;
    let mismatches: string[] = [];
    let truth: Truth | undefined;
    let mismatchesBeforeReconciliation: number | undefined;
    for (; rounds < 6; rounds++) {
      await waitForIdle(queue, () => worker);
      if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} idle\n`);
      truth = await computeTruth(reader);
      mismatches = compare(truth, targets);
      mismatchesBeforeReconciliation ??= mismatches.length;
      if (mismatches.length === 0) break;
      await reconcile();
    }
    const convergenceMsAfterLastFault = Date.now() - lastFaultAt;

    const current = worker as WorkerProcess | undefined;
    if (current !== undefined) {
      await current.kill();
      stats.retire(current);
      worker = undefined;
    }
    const deadLettered = await drainPoison(poison, stats.poisoned);
    const unownedAfter = unownedSnapshot(airflow2, airflow3, astro);
    const unownedChanged = Object.keys(unownedBefore).filter((k) => unownedBefore[k] !== unownedAfter[k]);
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      faultsInjected: faults,
      workerKills: { midApply: midApplyKills },
      retries: stats.redelivered,
      duplicateWrites,
      targetWriteCalls: { airflow2: airflow2.writeCalls(), airflow3: airflow3.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: mismatches.length,
      mismatches,
      unownedChanged,
      mismatchesBeforeReconciliation: mismatchesBeforeReconciliation ?? 0,
      reconciliationRounds: rounds,
      truthKeys: {
        af2: (truth?.af2.connections.size ?? 0) + (truth?.af2.variables.size ?? 0),
        af3: (truth?.af3.connections.size ?? 0) + (truth?.af3.variables.size ?? 0),
        astroVariables: truth?.af3.variables.size ?? 0,
        astroConnections: truth?.af3.connections.size ?? 0,
        teamWins: truth?.teamWins ?? 0,
      },
      convergenceMsAfterLastFault,
      deadLettered,
      phasesMs: { setup: setupMs, storm: stormMs, convergence: convergenceMsAfterLastFault },
      peakRssMb: { runner: Math.round(process.resourceUsage().maxRSS / 1024), worker: stats.peakRssMb },
      logLines,
      sentinels,
    };
  } finally {
    await (worker as WorkerProcess | undefined)?.kill();
    await (standby as WorkerProcess | undefined)?.kill();
    await Promise.all([airflow2.close(), airflow3.close(), astro.close(), kv.close()]);
    await azurite.stop();
  }
}

/** The events a block of SDK calls makes the vault emit. */
async function eventsOf(kv: KeyVaultEmulator, action: () => Promise<unknown>): Promise<KeyVaultChangeEvent[]> {
  const seen: KeyVaultChangeEvent[] = [];
  const stop = kv.onEvent((e) => seen.push(e));
  try {
    await action();
  } finally {
    stop();
  }
  return seen;
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

/** 20% of events: the next call to one target fails or answers slowly. */
function injectTargetFault(random: SeededRandom, targets: Targets, count: (kind: string) => void): void {
  if (random.next() >= 0.2) return;
  const name = random.pick(["airflow2", "airflow3", "astro"] as const);
  const target = targets[name];
  const kind = random.below(5);
  if (kind === 0) target.inject({ status: 429, retryAfterSeconds: 0, times: 1 });
  else if (kind === 1) target.inject({ status: 500, times: 1 });
  else if (kind === 2) target.inject({ status: 503, times: 1 });
  else if (kind === 3) target.inject({ status: 504, times: 1 });
  else target.inject({ latencyMs: 200, times: 1 });
  count(`target-${name}-${["429", "500", "503", "504", "slow"][kind]}`);
}

/**
 * Kills the worker while it holds a message it has not finished: a target is slowed so applies
 * are in flight, then SIGKILL after a random few milliseconds. Returns 1 when the kill landed
 * mid-apply, 0 when every try came too late or nothing was there to apply.
 */
async function killMidApply(
  random: SeededRandom,
  targets: Targets,
  current: () => WorkerProcess | undefined,
  restart: () => void,
  count: (kind: string) => void,
): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const worker = await readyWorker(current);
    const slowed = targets[random.pick(["airflow2", "airflow3", "astro"] as const)];
    slowed.inject({ latencyMs: 150, times: 2 });
    try {
      await worker.until(() => worker.inFlight.size > 0, 5_000);
    } catch {
      return 0; // nothing to apply right now
    }
    await new Promise((r) => setTimeout(r, random.below(60)));
    if (worker.inFlight.size === 0) continue;
    await worker.kill();
    count("worker-sigkill");
    if (process.env.AFSYNC_STORM_TRACE) process.stderr.write(`TRACE ${Date.now() % 1_000_000} killed\n`);
    restart();
    return 1;
  }
  return 0;
}

/** The current worker once it polls the queue; a worker that exits at start fails the storm. */
async function readyWorker(current: () => WorkerProcess | undefined): Promise<WorkerProcess> {
  const worker = current();
  if (worker === undefined) throw new Error("no storm worker is running");
  await worker.until(() => worker.ready || !worker.alive, 60_000);
  if (!worker.alive) throw new Error("the storm worker exited at start; see its log lines");
  return worker;
}

/**
 * Until the queue holds nothing (Storage Queues count hidden messages too) and the worker runs
 * nothing, twice in a row. A killed worker's messages come back when their visibility ends and
 * wait out the lease it left behind, so this can take the worker's visibility timeout.
 */
async function waitForIdle(queue: QueueClient, current: () => WorkerProcess | undefined): Promise<void> {
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

/**
 * Holds the storm back while the queue holds more than a burst: the worker applies one message
 * per Deployment at a time (about one a second on a busy machine), so an unpaced storm would
 * measure a backlog rather than convergence. Events still come in bursts of up to BACKLOG_HIGH.
 */
const BACKLOG_HIGH = 24;
const BACKLOG_LOW = 8;
async function backpressure(queue: QueueClient): Promise<void> {
  const depth = async () => (await queue.getProperties()).approximateMessagesCount ?? 0;
  if ((await depth()) <= BACKLOG_HIGH) return;
  const deadline = Date.now() + 180_000;
  while ((await depth()) > BACKLOG_LOW) {
    if (Date.now() > deadline) throw new Error(`the sync queue stayed above ${BACKLOG_LOW} messages for 180 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
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

interface ConnectionFields {
  conn_type: string;
  host: string;
  login: string;
  password: string;
  port: number;
  schema: string;
}

interface DeploymentTruth {
  readonly connections: Map<string, ConnectionFields>;
  readonly variables: Map<string, string>;
}

interface Truth {
  /** kv-team over kv. */
  readonly af2: DeploymentTruth;
  /** kv alone: af3, and split by kind for astro-vars (variables) and astro-env (connections). */
  readonly af3: DeploymentTruth;
  /** Keys af2 takes from kv-team although kv holds them too. */
  readonly teamWins: number;
}

/**
 * The truth from the vault's final state, read back over the SDK and mapped by hand: the secret
 * name `<prefix>-<id>` (the storm's ids hold no `_`, so the naming is not lossy), Airflow's URI
 * form for connections, and the first listed source winning.
 */
async function computeTruth(reader: SecretClient): Promise<Truth> {
  const read = new Map<string, string>();
  for await (const properties of reader.listPropertiesOfSecrets()) {
    if (properties.enabled === false) continue;
    const secret = await reader.getSecret(properties.name);
    read.set(properties.name, secret.value ?? "");
  }
  const of = (prefix: string): DeploymentTruth => {
    const connections = new Map<string, ConnectionFields>();
    const variables = new Map<string, string>();
    for (const [name, value] of read) {
      if (name.startsWith(`${prefix}-connections-`)) connections.set(name.slice(`${prefix}-connections-`.length), connectionFields(value));
      if (name.startsWith(`${prefix}-variables-`)) variables.set(name.slice(`${prefix}-variables-`.length), value);
    }
    return { connections, variables };
  };
  const kv = of("airflow");
  const team = of("team");
  const af2: DeploymentTruth = {
    connections: new Map([...kv.connections, ...team.connections]),
    variables: new Map([...kv.variables, ...team.variables]),
  };
  const teamWins =
    [...team.connections.keys()].filter((k) => kv.connections.has(k)).length +
    [...team.variables.keys()].filter((k) => kv.variables.has(k)).length;
  return { af2, af3: kv, teamWins };
}

/** Every difference between the truth and the targets, by key (values never named). */
function compare(truth: Truth, targets: Targets): string[] {
  const out: string[] = [];
  const airflow = (name: string, want: DeploymentTruth, emulator: AirflowEmulator) => {
    for (const [id, fields] of want.connections) {
      const got = emulator.state.connections.get(id);
      if (got === undefined) out.push(`${name} connection ${id}: missing`);
      else
        for (const field of Object.keys(fields) as (keyof ConnectionFields)[])
          if (got[field] !== fields[field]) out.push(`${name} connection ${id}: ${field} differs`);
    }
    for (const id of emulator.state.connections.keys())
      if (id.startsWith("storm") && !want.connections.has(id)) out.push(`${name} connection ${id}: should be deleted`);
    for (const [key, value] of want.variables)
      if (emulator.state.variables.get(key)?.value !== value) out.push(`${name} variable ${key}: missing or differs`);
    for (const key of emulator.state.variables.keys())
      if (key.startsWith("storm") && !want.variables.has(key)) out.push(`${name} variable ${key}: should be deleted`);
  };
  airflow("af2", truth.af2, targets.airflow2);
  airflow("af3", truth.af3, targets.airflow3);

  const env = new Map((targets.astro.deployment(ORG, ASTRO_DEPLOYMENT)?.environmentVariables ?? []).map((v) => [v.key, v.value]));
  for (const [key, want] of truth.af3.variables)
    if (env.get(`AIRFLOW_VAR_${key.toUpperCase()}`) !== want) out.push(`astro-vars AIRFLOW_VAR_${key.toUpperCase()}: missing or differs`);
  for (const key of env.keys()) {
    if (key.startsWith("AIRFLOW_CONN_STORM")) out.push(`astro-vars ${key}: a connection, which the include filter keeps out`);
    if (key.startsWith("AIRFLOW_VAR_STORM") && !truth.af3.variables.has(key.slice("AIRFLOW_VAR_".length).toLowerCase()))
      out.push(`astro-vars ${key}: should be deleted`);
  }

  const objects = targets.astro
    .environmentObjects()
    .filter((o) => o.organizationId === ORG && o.scope === "DEPLOYMENT" && o.scopeEntityId === ASTRO_DEPLOYMENT);
  for (const [id, want] of truth.af3.connections) {
    const found = objects.filter((o) => o.objectType === "CONNECTION" && o.objectKey === id);
    if (found.length !== 1) {
      out.push(`astro-env connection ${id}: ${found.length} objects`);
      continue;
    }
    const got = found[0]?.connection ?? {};
    const expected: Record<string, unknown> = { type: want.conn_type, host: want.host, login: want.login, password: want.password };
    expected.port = want.port;
    expected.schema = want.schema;
    for (const [field, value] of Object.entries(expected))
      if (got[field] !== value) out.push(`astro-env connection ${id}: ${field} differs`);
  }
  for (const o of objects) {
    if (o.objectKey.startsWith("storm") && (o.objectType !== "CONNECTION" || !truth.af3.connections.has(o.objectKey)))
      out.push(`astro-env ${o.objectType} ${o.objectKey}: should not be there`);
  }
  return out;
}

/**
 * The keys afsync does not own, every stored field (updatedAt included) serialized with sorted
 * field names: the emulators rebuild their records on each update, so only the order may differ.
 */
function unownedSnapshot(airflow2: AirflowEmulator, airflow3: AirflowEmulator, astro: AstroEmulator): Record<string, string> {
  const env = astro.deployment(ORG, ASTRO_DEPLOYMENT)?.environmentVariables ?? [];
  const exact = (record: object | undefined) => JSON.stringify(record === undefined ? null : Object.entries(record).sort());
  return {
    "af2 connection theirs_db": exact(airflow2.state.connections.get("theirs_db")),
    "af2 variable theirs_var": exact(airflow2.state.variables.get("theirs_var")),
    "af3 connection theirs_db": exact(airflow3.state.connections.get("theirs_db")),
    "af3 variable theirs_var": exact(airflow3.state.variables.get("theirs_var")),
    "astro THEIR_SETTING": exact(env.find((v) => v.key === "THEIR_SETTING")),
    "astro-env theirconn": JSON.stringify(astro.environmentObjects().find((o) => o.objectKey === "theirconn") ?? null),
  };
}

/** Airflow's URI form, as the stored connection fields. */
function connectionFields(value: string): ConnectionFields {
  const uri = new URL(value);
  return {
    conn_type: uri.protocol === "postgresql:" ? "postgres" : uri.protocol.slice(0, -1),
    host: uri.hostname,
    login: decodeURIComponent(uri.username),
    password: decodeURIComponent(uri.password),
    port: Number(uri.port),
    schema: uri.pathname.slice(1),
  };
}
