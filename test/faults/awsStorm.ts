/**
 * A seeded fault storm over the AWS path: change events on Secrets Manager and SSM keys go through
 * the REAL events handler, the emulated SQS FIFO queue and the REAL worker handler — the worker in
 * a child process that the storm SIGKILLs in the middle of applies — to an Airflow 3 API
 * Deployment (Secrets Manager, then SSM, then Vault — whose changes come in as signed webhooks to
 * the REAL Lambda webhook handler), an Astro env-vars Deployment (SSM only), and the three local
 * file targets of an Airflow on the worker's host: an Astro project's `.env` (`env-file`) and
 * `airflow_settings.yaml` (`airflow-settings`), and LocalFilesystemBackend's JSON files
 * (`local-filesystem`), each with its own source order (DEPLOYMENTS).
 *
 * The local files are sound here because this worker is not a Lambda instance but the same
 * worker handler polling SQS on a host with a disk that an Airflow reads (a Lambda's /tmp is
 * private to one instance and gone when it scales in, so no one would read a file written there).
 * Local files cannot hold afsync's state, and a config has one state store, so this storm keeps
 * its state in SQLite on that disk (`state: sqlite`) instead of in the targets: the Airflow and
 * Astro manifests kept in the targets are what the Azure and GCP storms exercise. Every kill also
 * checks that each local file is whole (the old content or the new, never a torn write).
 *
 * Injected: provider 429/500/ThrottlingException, target 429 (with Retry-After)/500/503/504 and
 * slow answers, events duplicated, reordered and lost, and worker kills. Afterwards every target
 * is compared with the truth computed here, plainly, from the emulator's final provider state
 * (read back over the SDK) and the first-listed-source-wins rule — never through afsync's code.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { compareDeployment } from "./kit/compareDeployment.ts";
import { type DeploymentTruth, mergeSources, type SourceState, truthSize } from "./kit/DeploymentTruth.ts";
import {
  airflowSettingsView,
  envFileView,
  type LocalTargetFiles,
  localFilesystemView,
  localUnownedSnapshot,
  seedLocalTargetFiles,
  tornLocalFiles,
} from "./kit/localTargetFiles.ts";
import { airflowView, astroEnvVarsView } from "./kit/remoteTargetViews.ts";

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
  /** Deployment → its target type. */
  readonly deployments: Record<string, string>;
  readonly faultsInjected: Record<string, number>;
  /** Kills that landed mid-apply, and how many of those had a local-file Deployment in the batch. */
  readonly workerKills: { readonly midApply: number; readonly localTargetsInFlight: number };
  /** Local target files found torn (not whole) right after a kill: must stay empty. */
  readonly tornLocalFilesAfterKills: readonly string[];
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
  readonly truthKeys: {
    airflowConnections: number;
    airflowVariables: number;
    astroVariables: number;
    vaultOnly: number;
  } & Record<LocalDeploymentName, { connections: number; variables: number }>;
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

/** The storm's Deployments: target type, and sources in config order (first listed wins). */
const DEPLOYMENTS = {
  prod: { target: "airflow-api", sources: ["aws-sm", "aws-ssm", "vault-prod"] },
  astro: { target: "astro-env-vars", sources: ["aws-ssm"] },
  "host-env": { target: "env-file", sources: ["aws-ssm", "aws-sm"] },
  "host-settings": { target: "airflow-settings", sources: ["aws-sm", "vault-prod"] },
  "host-backend": { target: "local-filesystem", sources: ["vault-prod", "aws-sm", "aws-ssm"] },
} as const satisfies Record<string, { target: string; sources: readonly SourceName[] }>;
type DeploymentName = keyof typeof DEPLOYMENTS;
const LOCAL_DEPLOYMENTS = ["host-env", "host-settings", "host-backend"] as const;
type LocalDeploymentName = (typeof LOCAL_DEPLOYMENTS)[number];
const emptySize = { connections: 0, variables: 0 };

/** What the worker processes said, summed over every one the storm started and killed. */
class WorkerStats {
  redelivered = 0;
  peakRssMb = 0;
  localKills = 0;
  readonly tornFiles: string[] = [];
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
  /** Batch → the Deployments its messages name. */
  readonly deploymentsOf = new Map<number, readonly string[]>();
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
        const message = JSON.parse(line) as {
          applying?: number;
          deployments?: string[];
          done?: number;
          redelivered?: number;
          rssMb?: number;
        };
        if (message.applying !== undefined) {
          this.applying.add(message.applying);
          this.deploymentsOf.set(message.applying, message.deployments ?? []);
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
  const dir = mkdtempSync(join(tmpdir(), "afsync-aws-storm-"));
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
    const files = seedLocalTargetFiles(dir);
    mkdirSync(join(dir, "state"));
    const unownedBefore = unownedSnapshot(airflow, astro, files);
    const sourcesOf = (deployment: DeploymentName) => `[${DEPLOYMENTS[deployment].sources.join(", ")}]`;

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
    sources: ${sourcesOf("prod")}
    deletion: delete
  astro:
    target:
      type: astro-env-vars
      organization_id: org-1
      deployment_id: dep-astro
      api_url: ${astro.v1Url}
      retry: { max_attempts: 3, base_delay_ms: 1, max_delay_ms: 5 }
    sources: ${sourcesOf("astro")}
    deletion: delete
  host-env:
    target: { type: env-file, path: "${files.envFile}" }
    sources: ${sourcesOf("host-env")}
    deletion: delete
  host-settings:
    target: { type: airflow-settings, path: "${files.settingsFile}" }
    sources: ${sourcesOf("host-settings")}
    deletion: delete
  host-backend:
    target: { type: local-filesystem, connections_file_path: "${files.connectionsFile}", variables_file_path: "${files.variablesFile}" }
    sources: ${sourcesOf("host-backend")}
    deletion: delete
# The local files cannot hold afsync's state, so it is kept on the worker host's disk (see above).
state: { type: sqlite, path: "${join(dir, "state", "afsync.db")}" }
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
      if (midApplyKills < killsDueBy(n))
        midApplyKills += await killMidApply(random, airflow, () => worker, startWorker, aws, count, stats, files);
      // Let failed and killed batches come back, and duplicates outlive SQS FIFO's 5-minute dedup window.
      if (random.next() < 0.2) aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
    }
    for (const event of heldBack.splice(0)) await deliver(event);
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await reconcile({ id: `storm-kill-${tries}` });
      midApplyKills += await killMidApply(random, airflow, () => worker, startWorker, aws, count, stats, files);
    }

    // The last fault: drop whatever target faults are still pending (provider faults are one-shot
    // and consumed by the worker's polling within moments).
    airflow.faults.clear();
    astro.clearFaults();
    const lastFaultAt = Date.now();
    let rounds = 0;
    let mismatches: string[] = [];
    let state: Record<SourceName, SourceState> | undefined;
    let truth: Record<DeploymentName, DeploymentTruth> | undefined;
    let mismatchesBeforeReconciliation: number | undefined;
    for (; rounds < 6; rounds++) {
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await waitForEmptyQueue(aws, "storm.fifo");
      state = await readSources(sm, ssm, vault);
      truth = truthOf(state);
      mismatches = compare(truth, airflow, astro, files);
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
    const unownedAfter = unownedSnapshot(airflow, astro, files);
    const unownedChanged = Object.keys(unownedBefore).filter((k) => unownedBefore[k] !== unownedAfter[k]);
    const currentWorker = worker as WorkerProcess | undefined;
    if (currentWorker) stats.retire(currentWorker);
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      faultsInjected: faults,
      deployments: Object.fromEntries(Object.entries(DEPLOYMENTS).map(([id, d]) => [id, d.target])),
      workerKills: { midApply: midApplyKills, localTargetsInFlight: stats.localKills },
      tornLocalFilesAfterKills: stats.tornFiles,
      retries: stats.redelivered,
      duplicateWrites,
      targetWriteCalls: { airflow: airflow.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: mismatches.length,
      mismatches,
      unownedChanged,
      reconciliationRounds: rounds,
      truthKeys: {
        airflowConnections: truth?.prod.connections.size ?? 0,
        airflowVariables: truth?.prod.variables.size ?? 0,
        astroVariables: truth?.astro.variables.size ?? 0,
        vaultOnly: state === undefined ? 0 : vaultOnlyKeys(state),
        "host-env": truth === undefined ? emptySize : truthSize(truth["host-env"]),
        "host-settings": truth === undefined ? emptySize : truthSize(truth["host-settings"]),
        "host-backend": truth === undefined ? emptySize : truthSize(truth["host-backend"]),
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
    rmSync(dir, { recursive: true, force: true });
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
  files: LocalTargetFiles,
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
    // Every local file must be whole the moment after the kill: the old content or the new.
    if (worker.deploymentsOf.get(batch)?.some((d) => (LOCAL_DEPLOYMENTS as readonly string[]).includes(d))) stats.localKills += 1;
    stats.tornFiles.push(...tornLocalFiles(files));
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

type SourceName = "aws-sm" | "aws-ssm" | "vault-prod";

/**
 * The providers' final state by source, read back over the SDKs and Vault's API: Secrets Manager's
 * `airflow/{connections,variables}/*`, SSM's `/airflow/variables/*`, Vault's KV v2.
 */
async function readSources(sm: SecretsManagerClient, ssm: SSMClient, vault: VaultEmulator): Promise<Record<SourceName, SourceState>> {
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
  return {
    "aws-sm": { connections: smConnections, variables: smVariables },
    "aws-ssm": { connections: new Map(), variables: ssmVariables },
    "vault-prod": await readVaultKv(vault),
  };
}

/** Every Deployment's truth: its sources merged in its config order, first listed wins. */
function truthOf(state: Record<SourceName, SourceState>): Record<DeploymentName, DeploymentTruth> {
  const entries = Object.entries(DEPLOYMENTS).map(([id, d]) => [id, mergeSources(d.sources.map((s) => state[s]))]);
  return Object.fromEntries(entries) as Record<DeploymentName, DeploymentTruth>;
}

/** Keys only Vault holds in `prod` (so only its webhook path or a reconciliation can have put them there). */
function vaultOnlyKeys(state: Record<SourceName, SourceState>): number {
  const { "aws-sm": sm, "aws-ssm": ssm, "vault-prod": vault } = state;
  return (
    [...vault.connections.keys()].filter((id) => !sm.connections.has(id)).length +
    [...vault.variables.keys()].filter((k) => !sm.variables.has(k) && !ssm.variables.has(k)).length
  );
}

/** Every difference between the truth and the targets, by key (values never named). */
function compare(
  truth: Record<DeploymentName, DeploymentTruth>,
  airflow: AirflowEmulator,
  astro: AstroEmulator,
  files: LocalTargetFiles,
): string[] {
  return [
    ...compareDeployment("prod (airflow)", truth.prod, airflowView(airflow)),
    ...compareDeployment("astro", truth.astro, astroEnvVarsView(astro, "org-1", "dep-astro")),
    ...compareDeployment("host-env", truth["host-env"], envFileView(files.envFile)),
    ...compareDeployment("host-settings", truth["host-settings"], airflowSettingsView(files.settingsFile)),
    ...compareDeployment("host-backend", truth["host-backend"], localFilesystemView(files.connectionsFile, files.variablesFile)),
  ];
}

/**
 * The keys afsync does not own, every stored field (updatedAt included) serialized with sorted
 * field names: the emulator rebuilds its records on each update, so only the order may differ;
 * and the unowned content of the local files.
 */
function unownedSnapshot(airflow: AirflowEmulator, astro: AstroEmulator, files: LocalTargetFiles): Record<string, string> {
  const env = astro.deployment("org-1", "dep-astro")?.environmentVariables ?? [];
  const exact = (record: object | undefined) => JSON.stringify(record === undefined ? null : Object.entries(record).sort());
  return {
    "airflow connection theirs_db": exact(airflow.state.connections.get("theirs_db")),
    "airflow variable theirs_var": exact(airflow.state.variables.get("theirs_var")),
    "astro THEIR_SETTING": exact(env.find((v) => v.key === "THEIR_SETTING")),
    ...localUnownedSnapshot(files),
  };
}

/** Vault's KV v2 `secret/airflow/{connections,variables}`, read back over its HTTP API. */
async function readVaultKv(vault: VaultEmulator): Promise<SourceState> {
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
