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
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAirflowEmulator } from "@afsync/emulators/airflow/startAirflowEmulator";
import { startAstroEmulator } from "@afsync/emulators/astro/startAstroEmulator";
import type { EventBridgeEvent } from "@afsync/emulators/aws/startAwsEmulator";
import { type AwsEmulator, startAwsEmulator } from "@afsync/emulators/aws/startAwsEmulator";
import { startVaultEmulator, type VaultEmulator } from "@afsync/emulators/vault/startVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { signWebhookBody } from "@afsync/runtime/webhook/WebhookVerifier";
import { CreateSecretCommand, DeleteSecretCommand, PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { createEventsHandler } from "../../functions/aws/src/handlers/events.ts";
import { createReconcileHandler } from "../../functions/aws/src/handlers/reconcile.ts";
import { createWebhookHandler } from "../../functions/aws/src/handlers/webhook.ts";
import { lambdaDepsFromEnv } from "../../functions/aws/src/runtime/lambdaDepsFromEnv.ts";
import { createSeededRandom, type SeededRandom } from "./createSeededRandom.ts";
import { awaitConvergence } from "./kit/awaitConvergence.ts";
import { backpressure } from "./kit/backpressure.ts";
import { countDuplicateWrites } from "./kit/countDuplicateWrites.ts";
import type { DeploymentTruth, SourceState } from "./kit/DeploymentTruth.ts";
import { truthSize } from "./kit/DeploymentTruth.ts";
import { EventFaults } from "./kit/EventFaults.ts";
import { emittedDuring } from "./kit/emittedDuring.ts";
import { FaultCounter } from "./kit/FaultCounter.ts";
import { injectTargetFault } from "./kit/injectTargetFault.ts";
import { killMidApply, killsDueBy } from "./kit/killMidApply.ts";
import { seedLocalTargetFiles, tornLocalFiles } from "./kit/localTargetFiles.ts";
import { runnerPeakRssMb, type StormReport, type StormSize } from "./kit/StormReport.ts";
import { StormWorkerProcess } from "./kit/StormWorkerProcess.ts";
import { StormWorkers } from "./kit/StormWorkers.ts";
import { changedKeys } from "./kit/unownedRecords.ts";
import {
  AWS_ASTRO_DEPLOYMENT,
  AWS_ORG,
  type AwsDeploymentName,
  compareAll,
  LOCAL_DEPLOYMENTS,
  readSources,
  type SourceName,
  truthOf,
  unownedSnapshot,
  vaultOnlyKeys,
} from "./stormAwsTruth.ts";
import { AWS_DEPLOYMENTS, targetTypes } from "./stormDeployments.ts";

export type { StormSize } from "./kit/StormReport.ts";

export interface AwsStormReport extends StormReport {
  /** Kills that landed mid-apply, and how many of those had a local-file Deployment in the batch. */
  readonly workerKills: { readonly midApply: number; readonly localTargetsInFlight: number };
  /** Local target files found torn (not whole) right after a kill: must stay empty. */
  readonly tornLocalFilesAfterKills: readonly string[];
  /** Messages the queue offered again (a failed batch item, a killed worker, a lost delete). */
  readonly retries: number;
  readonly targetWriteCalls: { readonly airflow: number; readonly astro: number };
  readonly truthKeys: {
    airflowConnections: number;
    airflowVariables: number;
    astroVariables: number;
    vaultOnly: number;
  } & Record<string, number | { connections: number; variables: number }>;
  readonly deadLettered: readonly { readonly body: string; readonly receiveCount: string; readonly why: string }[];
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

export async function runAwsStorm(seed: number, size: StormSize): Promise<AwsStormReport> {
  const random = createSeededRandom(seed);
  const logLines: string[] = [];
  const sentinels = [AIRFLOW_PASSWORD, HMAC_KEY, ASTRO_TOKEN, WEBHOOK_SECRET, VAULT_TOKEN];
  const faults = new FaultCounter();
  const { count } = faults;

  const aws = await startAwsEmulator({ region: REGION });
  const airflow = await startAirflowEmulator({ apiVersion: 2, users: { admin: AIRFLOW_PASSWORD } });
  const astro = await startAstroEmulator({ token: ASTRO_TOKEN });
  const vault = await startVaultEmulator({ rootToken: VAULT_TOKEN });
  const client = { endpoint: aws.url, region: REGION, credentials, maxAttempts: 8 };
  const sm = new SecretsManagerClient(client);
  const ssm = new SSMClient(client);
  const sqs = new SQSClient(client);
  const dir = mkdtempSync(join(tmpdir(), "afsync-aws-storm-"));
  let workers: StormWorkers | undefined;
  try {
    astro.seedDeployment({ id: AWS_ASTRO_DEPLOYMENT, organizationId: AWS_ORG });
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
      .deployment(AWS_ORG, AWS_ASTRO_DEPLOYMENT)
      ?.environmentVariables.push({ key: "THEIR_SETTING", value: "keep-me", isSecret: false, updatedAt: "2026-01-01T00:00:00Z" });
    const files = seedLocalTargetFiles(dir);
    mkdirSync(join(dir, "state"));
    const unownedBefore = unownedSnapshot(airflow, astro, files);

    // Vault is the third, lowest-precedence source of `prod`; its changes arrive as signed webhooks.
    const sourcesOf = (deployment: AwsDeploymentName) => `[${AWS_DEPLOYMENTS[deployment].sources.join(", ")}]`;
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
      organization_id: ${AWS_ORG}
      deployment_id: ${AWS_ASTRO_DEPLOYMENT}
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
    // The worker polls from its start; a kill's restart is a cold start (no warm standby).
    workers = new StormWorkers({ spawn: () => new StormWorkerProcess(workerScript, { ...process.env, ...lambdaEnv }, logLines) });
    const pool = workers;
    pool.start(false);

    const duplicateWrites = countDuplicateWrites([airflow.state.connections, airflow.state.variables]);
    const connectionIds = Array.from({ length: size.keys }, (_, i) => `storm_conn_${i}`);
    const variableNames = Array.from({ length: size.keys }, (_, i) => `storm_var_${i}`);
    const exists = new Set<string>();
    const eventFaults = new EventFaults<EventBridgeEvent>(
      random,
      async (batch) => {
        for (const event of batch) {
          try {
            await events(event);
          } catch {
            // The events handler failed (an injected SQS fault outlasting its retries): EventBridge's
            // own retries are not modelled, so this event is lost and the reconciliation must catch it.
            count("event-lost-in-handler");
          }
        }
      },
      count,
    );
    let midApplyKills = 0;
    let localKills = 0;
    const tornFiles: string[] = [];
    const kill = () =>
      killMidApply({
        random,
        worker: () => pool.current,
        // The next Airflow writes are slowed so the batch is in flight.
        slowTargets: () => airflow.inject({ latencyMs: 150, times: 2 }),
        aim: "new",
        count,
        targets: [airflow, astro],
        afterKill: (killed, batches) => {
          pool.retire(killed);
          // Every local file must be whole the moment after the kill: the old content or the new.
          if (batches.some((b) => killed.deploymentsOf.get(b)?.some((d) => (LOCAL_DEPLOYMENTS as string[]).includes(d)))) localKills += 1;
          tornFiles.push(...tornLocalFiles(files));
          // What the dead worker held comes back after the visibility timeout.
          aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
          pool.start(false);
        },
      });

    for (let n = 0; n < size.events; n++) {
      injectProviderFault(random, aws, count);
      injectTargetFault(random, { airflow, astro }, count, [0.7, 0.3]);
      if (random.next() < 0.25) {
        await changeVault(random, vault, webhook, connectionIds, variableNames, sentinels, count);
        continue;
      }
      const emitted = await emittedDuring(aws.onEvent, () => mutate(random, { sm, ssm }, connectionIds, variableNames, exists, sentinels));
      for (const event of emitted) await eventFaults.offer([event]);
      await eventFaults.maybeRelease();
      if (midApplyKills < killsDueBy(n, size.kills, size.events)) midApplyKills += await kill();
      // Let failed and killed batches come back, and duplicates outlive SQS FIFO's 5-minute dedup window.
      if (random.next() < 0.2) aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      // Most changes reach four Deployments, each its own message, and the worker applies one
      // Deployment at a time (the local files and the SQLite state share one run lock).
      await backpressure(() => aws.sqsDepth("storm.fifo").visible, {
        onStall: () => aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000),
      });
    }
    await eventFaults.releaseAll();
    // Kills still owed: a reconciliation gives the worker something to apply for each.
    for (let tries = 0; midApplyKills < size.kills && tries < size.kills * 3; tries++) {
      aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
      await reconcile({ id: `storm-kill-${tries}` });
      midApplyKills += await kill();
    }

    // The last fault: drop whatever target faults are still pending (provider faults are one-shot
    // and consumed by the worker's polling within moments).
    airflow.faults.clear();
    astro.clearFaults();
    let state: Record<SourceName, SourceState> | undefined;
    let truth: Record<AwsDeploymentName, DeploymentTruth> | undefined;
    const convergence = await awaitConvergence({
      settle: async () => {
        aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
        await waitForEmptyQueue(aws, "storm.fifo");
      },
      compare: async () => {
        state = await readSources(sm, ssm, vault);
        truth = truthOf(state);
        return compareAll(truth, airflow, astro, files);
      },
      reconcile: async (round) => {
        // Past the dedup window so the reconciliation's messages are not taken for duplicates.
        aws.advanceTime((VISIBILITY_TIMEOUT_S + 1) * 1000);
        await reconcile({ id: `storm-reconcile-${round}` });
      },
    });

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
    const sizeOf = (id: AwsDeploymentName) => (truth === undefined ? { connections: 0, variables: 0 } : truthSize(truth[id]));
    return {
      seed,
      events: size.events,
      keys: size.keys * 2,
      deployments: targetTypes(AWS_DEPLOYMENTS),
      faultsInjected: faults.byKind,
      workerKills: { midApply: midApplyKills, localTargetsInFlight: localKills },
      tornLocalFilesAfterKills: tornFiles,
      retries: pool.redelivered,
      duplicateWrites: duplicateWrites.value,
      targetWriteCalls: { airflow: airflow.writeCalls(), astro: astro.writeCalls() },
      lostUpdates: convergence.mismatches.length,
      ...convergence,
      unownedChanged: changedKeys(unownedBefore, unownedSnapshot(airflow, astro, files)),
      truthKeys: {
        airflowConnections: truth?.prod.connections.size ?? 0,
        airflowVariables: truth?.prod.variables.size ?? 0,
        astroVariables: truth?.astro.variables.size ?? 0,
        vaultOnly: state === undefined ? 0 : vaultOnlyKeys(state),
        ...Object.fromEntries(LOCAL_DEPLOYMENTS.map((id) => [id, sizeOf(id)])),
      },
      deadLettered,
      peakRssMb: { runner: runnerPeakRssMb(), worker: pool.peakRssMb },
      logLines,
      sentinels,
    };
  } finally {
    await workers?.stop();
    for (const c of [sm, ssm, sqs]) c.destroy();
    await airflow.close();
    await astro.close();
    await vault.close();
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  }
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

/** Until the FIFO queue holds nothing, visible or in flight; it fails after 120 s without progress. */
async function waitForEmptyQueue(aws: AwsEmulator, queueName: string): Promise<void> {
  let deadline = Date.now() + 120_000;
  let empty = 0;
  let least = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    const depth = aws.sqsDepth(queueName);
    if (depth.visible + depth.inFlight < least) {
      least = depth.visible + depth.inFlight;
      deadline = Date.now() + 120_000;
    }
    // Twice in a row: a batch the worker has just received counts as in flight.
    empty = depth.visible === 0 && depth.inFlight === 0 ? empty + 1 : 0;
    if (empty >= 2) return;
    if (depth.inFlight > 0 && depth.visible === 0) aws.advanceTime(0);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`queue ${queueName} still not empty: ${JSON.stringify(aws.sqsDepth(queueName))}`);
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
