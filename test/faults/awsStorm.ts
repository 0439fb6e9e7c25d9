/**
 * A seeded fault storm over the AWS path: change events on Secrets Manager and SSM keys go through
 * the REAL events handler, the emulated SQS FIFO queue and the REAL worker handler — the worker in
 * a child process that the storm SIGKILLs in the middle of applies — to an Airflow 3 API
 * Deployment (Secrets Manager, then SSM, then Vault — whose changes come in as signed webhooks to
 * the REAL Lambda webhook handler) and an Astro env-vars Deployment (SSM only).
 *
 * Injected: provider 429/500/ThrottlingException, target 429 (with Retry-After)/500/503/504 and
 * slow answers, events duplicated, reordered and lost, and worker kills. Afterwards every target
 * is compared with the truth computed here, plainly, from the emulator's final provider state
 * (read back over the SDK) and the first-listed-source-wins rule — never through afsync's code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type AirflowEmulator, startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { type AstroEmulator, startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { EventBridgeEvent } from "@afsync/emulators/aws/startAwsEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandOutput,
  PutSecretValueCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  type GetParametersByPathCommandOutput,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { createEventsHandler } from "../../functions/aws/src/handlers/events.ts";
import { createReconcileHandler } from "../../functions/aws/src/handlers/reconcile.ts";
import { createWebhookHandler } from "../../functions/aws/src/handlers/webhook.ts";
import { lambdaDepsFromEnv } from "../../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { createSeededRandom, type SeededRandom } from "./createSeededRandom.ts";

export interface StormSize {
  readonly events: number;
  /** Connection ids and variable names each (variables live in Secrets Manager, SSM or both). */
  readonly keys: number;
  readonly kills: number;
}

export interface StormReport {
  readonly seed: number;
  readonly events: number;
  readonly keys: number;
  readonly faultsInjected: Record<string, number>;
  readonly workerKills: { readonly midApply: number };
  /** Messages the queue offered again (a failed batch item, a killed worker, a lost delete). */
  readonly retries: number;
  /** Airflow writes that stored exactly what the key already held. */
  readonly duplicateWrites: number;
  readonly targetWriteCalls: { readonly airflow: number; readonly astro: number };
  readonly lostUpdates: number;
  readonly mismatches: readonly string[];
  readonly unownedChanged: readonly string[];
  /** Keys the event path alone left wrong (lost events, dead letters) that a reconciliation had to repair. */
  readonly mismatchesBeforeReconciliation: number;
  readonly reconciliationRounds: number;
  /** What the truth held at the end: a storm that ended with empty targets would prove nothing. */
  readonly truthKeys: { airflowConnections: number; airflowVariables: number; astroVariables: number; vaultOnly: number };
  readonly convergenceMsAfterLastFault: number;
  readonly deadLettered: readonly { readonly body: string; readonly receiveCount: string; readonly why: string }[];
  readonly peakRssMb: { readonly runner: number; readonly worker: number };
  /** Log lines of every process (for the leak check; not printed). */
  readonly logLines: readonly string[];
  readonly sentinels: readonly string[];
}

const REGION = "us-east-1";
const credentials = { accessKeyId: "AKIDFAKE", secretAccessKey: "fake" };
const AIRFLOW_PASSWORD = "storm-airflow-admin-4b1d";
const HMAC_KEY = "storm-hmac-0123456789abcdef-0123456789abcdef";
const ASTRO_TOKEN = "storm-astro-token-77e1";
const WEBHOOK_SECRET = "storm-whsec-9a0c";
const VAULT_TOKEN = "storm-vault-root-3c5e";
const VISIBILITY_TIMEOUT_S = 360;
const workerScript = fileURLToPath(new URL("./awsStormWorker.ts", import.meta.url));

/** What the worker processes said, summed over every one the storm started and killed. */
class WorkerStats {
  redelivered = 0;
  peakRssMb = 0;
  retire(worker: WorkerProcess): void {
    this.redelivered += worker.redelivered;
    this.peakRssMb = Math.max(this.peakRssMb, worker.peakRssMb);
  }
}

/** The worker child and what it said. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly applying = new Set<number>();
  readonly done = new Set<number>();
  redelivered = 0;
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
        const message = JSON.parse(line) as { applying?: number; done?: number; redelivered?: number; rssMb?: number };
        if (message.applying !== undefined) {
          this.applying.add(message.applying);
          this.redelivered += message.redelivered ?? 0;
        }
        if (message.done !== undefined) this.done.add(message.done);
        if (message.rssMb !== undefined) this.peakRssMb = Math.max(this.peakRssMb, message.rssMb);
        for (const listener of this.#listeners) listener();
        nl = this.#buffer.indexOf("\n");
      }
    });
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
      if (this.child.exitCode !== null || this.child.signalCode !== null) return resolve();
      this.child.once("exit", () => resolve());
      this.child.kill("SIGKILL");
    });
  }
}

export async function runAwsStorm(seed: number, size: StormSize): Promise<StormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const sentinels = [AIRFLOW_PASSWORD, HMAC_KEY, ASTRO_TOKEN, WEBHOOK_SECRET, VAULT_TOKEN];
  const faults: Record<string, number> = {};
  const count = (kind: string) => {
    faults[kind] = (faults[kind] ?? 0) + 1;
  };

  const aws = await startAwsEmulator({ region: REGION });
  const airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  const astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  const vault = await startVaultEmulator({ rootToken: VAULT_TOKEN });
  const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 8 };
  const sm = new SecretsManagerClient(client);
  const ssm = new SSMClient(client);
  const sqs = new SQSClient(client);
  let worker: WorkerProcess | undefined;
  try {
    astro.seedDeployment({ id: "dep-astro", organizationId: "org-1" });
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "storm-dlq.fifo", Attributes: { FifoQueue: "true" } }));
    const dlqUrl = dlq.QueueUrl ?? "";
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }))).Attributes?.QueueArn;
    const queueUrl =
      (
        await sqs.send(
          new CreateQueueCommand({
            QueueName: "storm.fifo",
            Attributes: {
              FifoQueue: "true",
              ContentBasedDeduplication: "false",
              VisibilityTimeout: String(VISIBILITY_TIMEOUT_S),
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
            },
          }),
        )
      ).QueueUrl ?? "";
    aws.seedSecret({ name: "afsync/hmac-key", secretString: HMAC_KEY });
    aws.seedSecret({ name: "afsync/airflow-password", secretString: AIRFLOW_PASSWORD });
    aws.seedSecret({ name: "afsync/astro-token", secretString: ASTRO_TOKEN });
    aws.seedSecret({ name: "afsync/webhook-secret", secretString: WEBHOOK_SECRET });
    aws.seedSecret({ name: "afsync/vault-token", secretString: VAULT_TOKEN });

    // Keys afsync does not own: they must come out byte-for-byte as they went in.
    airflow.state.seedConnection({ connection_id: "theirs_db", conn_type: "mysql", host: "theirs.internal", password: "their-pw" });
    airflow.state.seedVariable("theirs_var", "their value", "kept by hand");
    astro
      .deployment("org-1", "dep-astro")
      ?.environmentVariables.push({ key: "THEIR_SETTING", value: "keep-me", isSecret: false, updatedAt: "2026-01-01T00:00:00Z" });
    const unownedBefore = unownedSnapshot(airflow, astro);

    // Vault is the third, lowest-precedence source of `prod`; its changes arrive as signed webhooks.
    const config = `
sources:
  aws-sm: { type: aws-secrets-manager }
  aws-ssm: { type: aws-ssm }
  vault-prod: { type: vault, url: "${vault.url}", auth_type: token, connections_path: airflow/connections, variables_path: airflow/variables }
deployments:
  prod:
    target:
      type: airflow-api
      url: ${airflow.url}
      api_version: 2
      auth: { type: airflow-token, username_env: AIRFLOW_USERNAME, password_env: AIRFLOW_PASSWORD }
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [aws-sm, aws-ssm, vault-prod]
    deletion: delete
  astro:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: dep-astro
      api_url: ${astro.v1Url}
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: [aws-ssm]
    deletion: delete
state: { type: target }
serve: { webhook_secret_env: AFSYNC_WEBHOOK_SECRET }
`;
    const lambdaEnv: NodeJS.ProcessEnv = {
      AFSYNC_CONFIG: config,
      AFSYNC_QUEUE_URL: queueUrl,
      AFSYNC_ENV_FROM_SECRETS: JSON.stringify({
        AFSYNC_HMAC_KEY: "afsync/hmac-key",
        AIRFLOW_PASSWORD: "afsync/airflow-password",
        ASTRO_API_TOKEN: "afsync/astro-token",
        AFSYNC_WEBHOOK_SECRET: "afsync/webhook-secret",
        VAULT_TOKEN: "afsync/vault-token",
      }),
      AIRFLOW_USERNAME: "admin",
      AWS_ENDPOINT_URL: aws.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_MAX_ATTEMPTS: "3",
    };
    const load = lambdaDepsFromEnv(lambdaEnv, { logger: createJsonLineLogger({ write: (line) => logLines.push(line) }) });
    const events = createEventsHandler(load);
    const reconcile = createReconcileHandler(load);
    const webhook = createWebhookHandler(load);
    const startWorker = () => {
      worker = new WorkerProcess({ ...process.env, ...lambdaEnv }, logLines);
      return worker.until(() => true, 0);
    };
    await startWorker();

    // Duplicate writes: a stored entry replaced by an identical one.
    let duplicateWrites = 0;
    const countSame = <V>(map: Map<string, V>) => {
      const set = map.set.bind(map);
      map.set = (key: string, value: V) => {
        if (map.has(key) && JSON.stringify(map.get(key)) === JSON.stringify(value)) duplicateWrites += 1;
        return set(key, value);
      };
    };
    countSame(airflow.state.connections);
    countSame(airflow.state.variables);

    const connectionIds = Array.from({ length: size.keys }, (_, i) => `storm_conn_${i}`);
    const variableNames = Array.from({ length: size.keys }, (_, i) => `storm_var_${i}`);
    const exists = new Set<string>();
    const heldBack: EventBridgeEvent[] = [];
    const deliver = async (event: EventBridgeEvent) => {
      try {
        await events(event);
      } catch {
        // The events handler failed (an injected SQS fault outlasting its retries): EventBridge's
        // own retries are not modelled, so this event is lost and the reconciliation must catch it.
        count("event-lost-in-handler");
      }
    };
    // Kills due by event n, spread evenly; one that found nothing in flight is owed to the next event.
    const killsDueBy = (n: number) => Math.floor(((n + 1) * size.kills) / size.events);
    let midApplyKills = 0;
    const stats = new WorkerStats();

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, aws, count);
      injectTargetFault(random, airflow, astro, count);
      if (random.next() < 0.25) {
        await changeVault(random, vault, webhook, connectionIds, variableNames, sentinels, count);
        continue;
      }
      const emitted = await eventsOf(aws, () => mutate(random, { sm, ssm }, connectionIds, variableNames, exists, sentinels));
      for (const event of emitted) {
        const roll = random.next();
        if (roll < 0.05) count("event-lost");
        else if (roll < 0.2) {
          count("event-duplicated");
          await deliver(event);
          await deliver(event);
        } else if (roll < 0.35) {
          count("event-reordered");
          heldBack.push(event);
        } else await deliver(event);
      }
      if (heldBack.length > 0 && random.next() < 0.3) for (const event of heldBack.splice(0).reverse()) await deliver(event);
      if (midApplyKills < killsDueBy(n)) midApplyKills += await killMidApply(random, airflow, () => worker, startWorker, aws, count, stats);
      // Let failed and killed batches come back, and duplicates outlive SQS FIFO's 5-minute dedup window.
      if (random.next() < 0.2) aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
    }
    for (const event of heldBack.splice(0)) await deliver(event);
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await reconcile({ id: `storm-kill-${tries}` });
      midApplyKills += await killMidApply(random, airflow, () => worker, startWorker, aws, count, stats);
    }

    // The last fault: drop whatever target faults are still pending (provider faults are one-shot
    // and consumed by the worker's polling within moments).
    airflow.faults.clear();
    astro.clearFaults();
    const lastFaultAt = Date.now();
    const truthOf = () => computeTruth(sm, ssm, vault);
    let rounds = 0;
    let mismatches: string[] = [];
    let truth: Truth | undefined;
    let mismatchesBeforeReconciliation: number | undefined;
    for (; rounds < 6; rounds++) {
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await waitForEmptyQueue(aws, "storm.fifo");
      truth = await truthOf();
      mismatches = compare(truth, airflow, astro);
      mismatchesBeforeReconciliation ??= mismatches.length;
      if (mismatches.length === 0) break;
      // Past the dedup window so the reconciliation's messages are not taken for duplicates.
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await reconcile({ id: `storm-reconcile-${rounds}` });
    }
    const convergenceMsAfterLastFault = Date.now() - lastFaultAt;

    const deadLettered: { body: string; receiveCount: string; why: string }[] = [];
    for (;;) {
      const got = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] }),
      );
      if (!got.Messages?.length) break;
      for (const m of got.Messages) {
        deadLettered.push({
          body: m.Body ?? "",
          receiveCount: m.Attributes?.ApproximateReceiveCount ?? "?",
          why: "received maxReceiveCount (5) times, each time reported as a batch item failure or not deleted",
        });
      }
    }
    const unownedAfter = unownedSnapshot(airflow, astro);
    const unownedChanged = Object.keys(unownedBefore).filter((k) => unownedBefore[k] !== unownedAfter[k]);
    const currentWorker = worker as WorkerProcess | undefined;
    if (currentWorker) stats.retire(currentWorker);
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      faultsInjected: faults,
      workerKills: { midApply: midApplyKills },
      retries: stats.redelivered,
      duplicateWrites,
      targetWriteCalls: { airflow: airflow.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: mismatches.length,
      mismatches,
      unownedChanged,
      reconciliationRounds: rounds,
      truthKeys: {
        airflowConnections: truth?.connections.size ?? 0,
        airflowVariables: truth?.variables.size ?? 0,
        astroVariables: truth?.astroVariables.size ?? 0,
        vaultOnly: truth?.vaultOnly ?? 0,
      },
      mismatchesBeforeReconciliation: mismatchesBeforeReconciliation ?? 0,
      convergenceMsAfterLastFault,
      deadLettered,
      peakRssMb: { runner: Math.round(process.resourceUsage().maxRSS / 1024), worker: stats.peakRssMb },
      logLines,
      sentinels,
    };
  } finally {
    await (worker as WorkerProcess | undefined)?.kill();
    for (const c of [sm, ssm, sqs]) c.destroy();
    await airflow.close();
    await astro.close();
    await vault.close();
    await aws.close();
  }
}

/** The events a block of SDK calls makes the emulator emit. */
async function eventsOf(aws: AwsEmulator, action: () => Promise<unknown>): Promise<EventBridgeEvent[]> {
  const seen: EventBridgeEvent[] = [];
  const stop = aws.onEvent((e) => seen.push(e));
  try {
    await action();
  } finally {
    stop();
  }
  return seen;
}

/** One change on a random key: create, update or delete, in Secrets Manager or SSM. */
async function mutate(
  random: SeededRandom,
  clients: { sm: SecretsManagerClient; ssm: SSMClient },
  connectionIds: readonly string[],
  variableNames: readonly string[],
  exists: Set<string>,
  sentinels: string[],
): Promise<void> {
  const value = `storm-${random.token()}${random.token()}`;
  sentinels.push(value);
  const where = random.below(3);
  const name =
    where === 0
      ? `airflow/connections/${random.pick(connectionIds)}`
      : where === 1
        ? `airflow/variables/${random.pick(variableNames)}`
        : `/airflow/variables/${random.pick(variableNames)}`;
  const remove = exists.has(name) && random.next() < 0.15;
  if (where === 2) {
    if (remove) await clients.ssm.send(new DeleteParameterCommand({ Name: name }));
    else await clients.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: "SecureString", Overwrite: true }));
  } else {
    const secretString = where === 0 ? `postgresql://app:${value}@${random.token()}.internal:5432/db_${random.below(9)}` : value;
    if (remove) await clients.sm.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    else if (exists.has(name)) await clients.sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: secretString }));
    else await clients.sm.send(new CreateSecretCommand({ Name: name, SecretString: secretString }));
  }
  if (remove) exists.delete(name);
  else exists.add(name);
}

/** 20% of events: the next AWS call (whoever makes it) is throttled or fails. AWS sends no Retry-After. */
function injectProviderFault(random: SeededRandom, aws: AwsEmulator, count: (kind: string) => void): void {
  if (random.next() >= 0.2) return;
  const status = random.pick([429, 500, "ThrottlingException"] as const);
  aws.inject({ status, times: 1 });
  count(`provider-${status}`);
}

/** 20% of events: the next call to one target fails or answers slowly. */
function injectTargetFault(random: SeededRandom, airflow: AirflowEmulator, astro: AstroEmulator, count: (kind: string) => void): void {
  if (random.next() >= 0.2) return;
  const target = random.next() < 0.7 ? airflow : astro;
  const name = target === airflow ? "airflow" : "astro";
  const kind = random.below(5);
  if (kind === 0) target.inject({ status: 429, retryAfterSeconds: 0, times: 1 });
  else if (kind === 1) target.inject({ status: 500, times: 1 });
  else if (kind === 2) target.inject({ status: 503, times: 1 });
  else if (kind === 3) target.inject({ status: 504, times: 1 });
  else target.inject({ latencyMs: 200, times: 1 });
  count(`target-${name}-${["429", "500", "503", "504", "slow"][kind]}`);
}

/**
 * Kills the worker between its `applying` and `done` for one batch: the next Airflow write is
 * slowed so the apply is in flight, then SIGKILL after a random few milliseconds. Returns 1 when
 * the kill landed mid-apply (the batch had not finished), 0 when every try came too late.
 */
async function killMidApply(
  random: SeededRandom,
  airflow: AirflowEmulator,
  current: () => WorkerProcess | undefined,
  restart: () => Promise<void>,
  aws: AwsEmulator,
  count: (kind: string) => void,
  stats: WorkerStats,
): Promise<number> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const worker = current();
    if (worker === undefined) return 0;
    airflow.inject({ latencyMs: 150, times: 2 });
    const seen = worker.applying.size;
    try {
      await worker.until(() => worker.applying.size > seen, 5_000);
    } catch {
      return 0; // nothing to apply right now
    }
    const batch = Math.max(...worker.applying);
    await new Promise((r) => setTimeout(r, random.below(60)));
    if (worker.done.has(batch)) continue;
    await worker.kill();
    count("worker-sigkill");
    stats.retire(worker);
    // What the dead worker held comes back after the visibility timeout.
    aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
    await restart();
    return 1;
  }
  return 0;
}

/** Until the FIFO queue holds nothing, visible or in flight. */
async function waitForEmptyQueue(aws: AwsEmulator, queueName: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let empty = 0;
  while (Date.now() < deadline) {
    const depth = aws.sqsDepth(queueName);
    // Twice in a row: a batch the worker has just received counts as in flight.
    empty = depth.visible === 0 && depth.inFlight === 0 ? empty + 1 : 0;
    if (empty >= 2) return;
    if (depth.inFlight > 0 && depth.visible === 0) aws.advanceTime(0);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queue ${queueName} still not empty: ${JSON.stringify(aws.sqsDepth(queueName))}`);
}

interface Truth {
  /** Connection id → the fields the URI says, as Airflow stores them. */
  readonly connections: Map<string, { conn_type: string; host: string; login: string; password: string; port: number; schema: string }>;
  /** Airflow Deployment (Secrets Manager first, then SSM). */
  readonly variables: Map<string, string>;
  /** Astro Deployment (SSM only). */
  readonly astroVariables: Map<string, string>;
  /** Keys only Vault holds (so only its webhook path or a reconciliation can have put them there). */
  readonly vaultOnly: number;
}

/**
 * The truth from the provider's final state, read back over the SDK and mapped by hand: Airflow's
 * URI form for connections, and the first listed source (aws-sm) winning over aws-ssm.
 */
async function computeTruth(sm: SecretsManagerClient, ssm: SSMClient, vault: VaultEmulator): Promise<Truth> {
  const connections: Truth["connections"] = new Map();
  const smVariables = new Map<string, string>();
  const smConnections = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page: ListSecretsCommandOutput = await sm.send(new ListSecretsCommand({ NextToken: nextToken, MaxResults: 100 }));
    for (const secret of page.SecretList ?? []) {
      const name = secret.Name ?? "";
      if (!name.startsWith("airflow/")) continue;
      const value = (await sm.send(new GetSecretValueCommand({ SecretId: name }))).SecretString ?? "";
      if (name.startsWith("airflow/variables/")) smVariables.set(name.slice("airflow/variables/".length), value);
      else if (name.startsWith("airflow/connections/")) smConnections.set(name.slice("airflow/connections/".length), value);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const ssmVariables = new Map<string, string>();
  nextToken = undefined;
  do {
    const page: GetParametersByPathCommandOutput = await ssm.send(
      new GetParametersByPathCommand({ Path: "/airflow/variables", Recursive: true, WithDecryption: true, NextToken: nextToken }),
    );
    for (const p of page.Parameters ?? []) ssmVariables.set((p.Name ?? "").slice("/airflow/variables/".length), p.Value ?? "");
    nextToken = page.NextToken;
  } while (nextToken);
  // Lowest first, so each higher source overwrites: vault-prod < aws-ssm < aws-sm.
  const vaultData = await readVaultKv(vault);
  const connectionUris = new Map(vaultData.connections);
  for (const [id, uri] of smConnections) connectionUris.set(id, uri);
  for (const [id, uri] of connectionUris) connections.set(id, connectionFields(uri));
  const variables = new Map(vaultData.variables);
  for (const [k, v] of ssmVariables) variables.set(k, v);
  for (const [k, v] of smVariables) variables.set(k, v);
  const vaultOnly =
    [...vaultData.connections.keys()].filter((id) => !smConnections.has(id)).length +
    [...vaultData.variables.keys()].filter((k) => !smVariables.has(k) && !ssmVariables.has(k)).length;
  return { connections, variables, astroVariables: ssmVariables, vaultOnly };
}

/** Every difference between the truth and the targets, by key (values never named). */
function compare(truth: Truth, airflow: AirflowEmulator, astro: AstroEmulator): string[] {
  const out: string[] = [];
  for (const [id, want] of truth.connections) {
    const got = airflow.state.connections.get(id);
    if (got === undefined) out.push(`airflow connection ${id}: missing`);
    else
      for (const field of Object.keys(want) as (keyof typeof want)[])
        if (got[field] !== want[field]) out.push(`airflow connection ${id}: ${field} differs`);
  }
  for (const id of airflow.state.connections.keys())
    if (id.startsWith("storm_") && !truth.connections.has(id)) out.push(`airflow connection ${id}: should be deleted`);
  for (const [key, want] of truth.variables)
    if (airflow.state.variables.get(key)?.value !== want) out.push(`airflow variable ${key}: missing or differs`);
  for (const key of airflow.state.variables.keys())
    if (key.startsWith("storm_") && !truth.variables.has(key)) out.push(`airflow variable ${key}: should be deleted`);
  const env = new Map((astro.deployment("org-1", "dep-astro")?.environmentVariables ?? []).map((v) => [v.key, v.value]));
  for (const [key, want] of truth.astroVariables)
    if (env.get(`AIRFLOW_VAR_${key.toUpperCase()}`) !== want) out.push(`astro AIRFLOW_VAR_${key.toUpperCase()}: missing or differs`);
  for (const key of env.keys())
    if (key.startsWith("AIRFLOW_VAR_STORM_") && !truth.astroVariables.has(key.slice("AIRFLOW_VAR_".length).toLowerCase()))
      out.push(`astro ${key}: should be deleted`);
  return out;
}

/**
 * The keys afsync does not own, every stored field (updatedAt included) serialized with sorted
 * field names: the emulator rebuilds its records on each update, so only the order may differ.
 */
function unownedSnapshot(airflow: AirflowEmulator, astro: AstroEmulator): Record<string, string> {
  const env = astro.deployment("org-1", "dep-astro")?.environmentVariables ?? [];
  const exact = (record: object | undefined) => JSON.stringify(record === undefined ? null : Object.entries(record).sort());
  return {
    "airflow connection theirs_db": exact(airflow.state.connections.get("theirs_db")),
    "airflow variable theirs_var": exact(airflow.state.variables.get("theirs_var")),
    "astro THEIR_SETTING": exact(env.find((v) => v.key === "THEIR_SETTING")),
  };
}

/** Airflow's URI form, as the stored connection fields. */
function connectionFields(value: string) {
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

/** Vault's KV v2 `secret/airflow/{connections,variables}`, read back over its HTTP API. */
async function readVaultKv(vault: VaultEmulator): Promise<{ connections: Map<string, string>; variables: Map<string, string> }> {
  const headers = { "x-vault-token": vault.rootToken };
  const read = async (folder: string, field: string) => {
    const out = new Map<string, string>();
    const listed = await fetch(`${vault.url}/v1/secret/metadata/airflow/${folder}?list=true`, { headers });
    if (listed.status === 404) return out;
    const keys = ((await listed.json()) as { data: { keys: string[] } }).data.keys;
    for (const key of keys) {
      const got = (await (await fetch(`${vault.url}/v1/secret/data/airflow/${folder}/${key}`, { headers })).json()) as {
        data: { data: Record<string, string> };
      };
      out.set(key, got.data.data[field] ?? "");
    }
    return out;
  };
  return { connections: await read("connections", "conn_uri"), variables: await read("variables", "value") };
}

/**
 * One Vault KV write (its own API, as `vault kv put` would), announced to the Lambda webhook with a
 * signed body naming the key — or not announced (lost), or announced twice (the replay is refused).
 */
async function changeVault(
  random: SeededRandom,
  vault: VaultEmulator,
  webhook: ReturnType<typeof createWebhookHandler>,
  connectionIds: readonly string[],
  variableNames: readonly string[],
  sentinels: string[],
  count: (kind: string) => void,
): Promise<void> {
  const value = `storm-${random.token()}${random.token()}`;
  sentinels.push(value);
  const isConnection = random.next() < 0.5;
  const id = isConnection ? random.pick(connectionIds) : random.pick(variableNames);
  const data = isConnection ? { conn_uri: `postgresql://app:${value}@${random.token()}.internal:5432/db_${random.below(9)}` } : { value };
  // Through the real API with the root token: the emulator's own bookkeeping is not the provider state.
  const put = await fetch(`${vault.url}/v1/secret/data/airflow/${isConnection ? "connections" : "variables"}/${id}`, {
    method: "POST",
    headers: { "x-vault-token": vault.rootToken, "content-type": "application/json" },
    body: JSON.stringify({ data }),
  });
  if (!put.ok) throw new Error(`vault write answered ${put.status}`);
  // The worker's next Vault read fails (Vault sends no Retry-After).
  if (random.next() < 0.2) {
    vault.inject({ status: 503, times: 1, operationId: "kv-v2/read" });
    count("provider-vault-503");
  }
  const roll = random.next();
  if (roll < 0.05) return count("event-lost");
  const body = JSON.stringify({ source: "vault-prod", keys: [`${isConnection ? "conn" : "var"}:${id}`] });
  const request = { headers: { "x-afsync-signature": signWebhookBody(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)) }, body };
  const first = await webhook(request);
  if (first.statusCode !== 202) count(`webhook-${first.statusCode}`);
  if (roll < 0.2) {
    count("event-duplicated");
    const replay = await webhook(request);
    if (replay.statusCode !== 409) throw new Error(`a replayed webhook got ${replay.statusCode}, not 409`);
  }
}
