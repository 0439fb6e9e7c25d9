import type { AzureClientOverrides } from "@afsync/azure/createAzureKeyVaultClient";
import { sharedDefaultAzureCredential } from "@afsync/azure/sharedDefaultAzureCredential";
import type { Clock, Logger, SecretSource } from "@afsync/core";
import type { AfsyncConfig } from "@afsync/core/config/AfsyncConfig";
import { buildRuntime } from "@afsync/runtime/compose/buildRuntime";
import { buildSources } from "@afsync/runtime/compose/buildSources";
import { systemClock } from "@afsync/runtime/compose/createHmacHasher";
import { once } from "@afsync/runtime/compose/once";
import type { RoutableBinding } from "@afsync/runtime/edge/routeHints";
import { eventGridEndpoint } from "@afsync/runtime/events/eventGridEndpoint";
import { fanoutHasherFromEnv } from "@afsync/runtime/fanout/fanoutHasherFromEnv";
import { fingerprintBindings } from "@afsync/runtime/fanout/fingerprintBindings";
import type { ReconcileSetup } from "@afsync/runtime/fanout/ReconcileSetup";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import type { TokenCredential } from "@azure/identity";
import { BlobServiceClient } from "@azure/storage-blob";
import { QueueServiceClient } from "@azure/storage-queue";
import { BlobFanoutLedger } from "../fanout/BlobFanoutLedger.ts";
import { DeploymentLease } from "../lease/DeploymentLease.ts";
import { StorageQueueSyncQueue } from "../queue/StorageQueueSyncQueue.ts";
import {
  DEFAULT_EVENTGRID_KEY_ENV,
  DEFAULT_LEASE_CONTAINER,
  DEFAULT_QUEUE_NAME,
  DEFAULT_WEBHOOK_SECRET_ENV,
  LEASE_CONTAINER_ENV,
  QUEUE_NAME_ENV,
  STORAGE_CONNECTION,
} from "./appSettings.ts";
import type { LoadFunctionDeps, LoadProducerDeps, ProducerDeps } from "./FunctionDeps.ts";
import { loadFunctionConfig } from "./loadFunctionConfig.ts";

export interface FunctionDepsOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** Where a relative AFSYNC_CONFIG path resolves (the app root; the host's working directory). */
  readonly appRoot?: string;
  /** Tests: the Key Vault emulator's credential and CA (production: DefaultAzureCredential, the app's managed identity). */
  readonly azure?: AzureClientOverrides;
  /** Blob lease duration in seconds (15–60). */
  readonly leaseSeconds?: number;
}

/**
 * The worker's composition root: app settings → config → runtime (sources, targets, engine) →
 * queue and lease, built on the first invocation of an instance. Secrets reach the env as the
 * platform resolves Key Vault references in app settings (`@Microsoft.KeyVault(SecretUri=…)`),
 * so nothing here reads a secret store itself. Tests pass their own env object.
 */
export function functionDepsFromEnv(env: NodeJS.ProcessEnv, options: FunctionDepsOptions = {}): LoadFunctionDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const runtime = await buildRuntime(start.config, {
      env,
      configDir: start.configDir,
      logger: start.deps.logger,
      ...(options.azure === undefined ? {} : { clientOverrides: { azure: options.azure } }),
    });
    const leaseContainer = blobServiceFrom(env).getContainerClient(env[LEASE_CONTAINER_ENV] || DEFAULT_LEASE_CONTAINER);
    const lease = new DeploymentLease(leaseContainer, {
      ...(options.leaseSeconds === undefined ? {} : { durationSeconds: options.leaseSeconds }),
    });
    start.deps.logger.log("info", "cold start: runtime built", {
      deployments: runtime.bindings.map((b) => b.id),
      sources: [...runtime.sources.keys()],
    });
    const fanoutLedger = new BlobFanoutLedger(leaseContainer);
    return {
      ...start.deps,
      // One composition root serves every function of the app, the timer included.
      reconcile: reconcileSetup(start.config, runtime.sources, env, fanoutLedger),
      bindings: runtime.bindings,
      sources: runtime.sources,
      engine: runtime.engine,
      lease,
      queueReader: start.queue,
      fanoutLedger,
    };
  });
}

/**
 * The edge functions' composition root: routing needs only which Deployment reads which source,
 * so this builds no target and no engine and reads no target credential or HMAC key.
 */
export function producerDepsFromEnv(env: NodeJS.ProcessEnv, options: FunctionDepsOptions = {}): LoadProducerDeps {
  return once(async () => {
    const start = await coldStart(env, options);
    const sources = await buildSources(start.config, {
      env,
      configDir: start.configDir,
      logger: start.deps.logger,
      ...(options.azure === undefined ? {} : { clientOverrides: { azure: options.azure } }),
    });
    const bindings: RoutableBinding[] = start.config.deployments.map((d) => ({
      id: d.id,
      sources: d.sources.flatMap((id) => sources.get(id) ?? []),
    }));
    const ledger = new BlobFanoutLedger(blobServiceFrom(env).getContainerClient(env[LEASE_CONTAINER_ENV] || DEFAULT_LEASE_CONTAINER));
    return { ...start.deps, bindings, reconcile: reconcileSetup(start.config, sources, env, ledger) };
  });
}

/** The timer's fan-out: records next to the lease blobs, fingerprints keyed with the workers' HMAC key. */
function reconcileSetup(
  config: AfsyncConfig,
  sources: ReadonlyMap<string, SecretSource>,
  env: NodeJS.ProcessEnv,
  ledger: BlobFanoutLedger,
): ReconcileSetup {
  const hasher = fanoutHasherFromEnv(config, env);
  return {
    bindings: fingerprintBindings(config, sources),
    settings: config.reconcile,
    ...(hasher === undefined ? {} : { fanout: { hasher, ledger } }),
  };
}

async function coldStart(env: NodeJS.ProcessEnv, options: FunctionDepsOptions) {
  const logger = options.logger ?? createJsonLineLogger({ base: { fn: env.WEBSITE_SITE_NAME ?? "local" } });
  const { config, configDir } = await loadFunctionConfig(env, options.appRoot);
  const queueName = env[QUEUE_NAME_ENV] || DEFAULT_QUEUE_NAME;
  const queue = new StorageQueueSyncQueue(queueServiceFrom(env).getQueueClient(queueName));
  const deps: Omit<ProducerDeps, "bindings"> = {
    queue,
    logger,
    clock: options.clock ?? systemClock,
    webhookSecret: webhookSecretOf(config, env),
    eventGrid: eventGridEndpoint(config, env, { defaultKeyEnv: DEFAULT_EVENTGRID_KEY_ENV }),
  };
  return { config, configDir, deps, queue };
}

function webhookSecretOf(config: AfsyncConfig, env: NodeJS.ProcessEnv): string | undefined {
  const value = env[config.serve.webhookSecretEnv ?? DEFAULT_WEBHOOK_SECRET_ENV];
  return value === "" ? undefined : value;
}

/**
 * `AzureWebJobsStorage` as the host reads it: a connection string (Azurite, or a key-based
 * account), or identity-based settings (`AzureWebJobsStorage__queueServiceUri` /
 * `__blobServiceUri`, or `__accountName`) with the app's managed identity, which the Bicep
 * template uses so the app holds no storage key.
 */
function queueServiceFrom(env: NodeJS.ProcessEnv): QueueServiceClient {
  const connection = env[STORAGE_CONNECTION];
  if (connection) return QueueServiceClient.fromConnectionString(connection);
  return new QueueServiceClient(serviceUri(env, "queue"), storageCredential(env));
}

function blobServiceFrom(env: NodeJS.ProcessEnv): BlobServiceClient {
  const connection = env[STORAGE_CONNECTION];
  if (connection) return BlobServiceClient.fromConnectionString(connection);
  return new BlobServiceClient(serviceUri(env, "blob"), storageCredential(env));
}

function serviceUri(env: NodeJS.ProcessEnv, service: "queue" | "blob"): string {
  const explicit = env[`${STORAGE_CONNECTION}__${service}ServiceUri`];
  if (explicit) return explicit;
  const account = env[`${STORAGE_CONNECTION}__accountName`];
  if (account) return `https://${account}.${service}.core.windows.net`;
  throw new Error(
    `${STORAGE_CONNECTION} is not set: give a connection string, or ${STORAGE_CONNECTION}__accountName for the managed identity`,
  );
}

/**
 * A user-assigned identity is named by `AzureWebJobsStorage__clientId`, as the host expects it.
 * One credential serves the queue, the lease and, when it names the same identity, the Key Vault
 * source (`sharedDefaultAzureCredential`): each `DefaultAzureCredential` built is its whole chain
 * of credentials, a tenth of the worker's cold start.
 */
function storageCredential(env: NodeJS.ProcessEnv): TokenCredential {
  const clientId = env[`${STORAGE_CONNECTION}__clientId`];
  return sharedDefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}
