import type { Clock } from "@afsync/core";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "@afsync/emulators/azure/startKeyVaultEmulator";
import { createJsonLineLogger } from "@afsync/runtime/log/RedactingLogger";
import { type Azurite, startAzurite } from "@afsync/testing/startAzurite";
import azureFunctions from "@azure/functions";
import { SecretClient } from "@azure/keyvault-secrets";
import { type QueueClient, QueueServiceClient } from "@azure/storage-queue";
import { createEventGridHttpHandler } from "../../src/handlers/eventGridHttp.ts";
import { createEventGridTriggerHandler } from "../../src/handlers/eventGridTrigger.ts";
import { createQueueWorkerHandler, type QueueWorkerResult } from "../../src/handlers/queueWorker.ts";
import { createReconcileTimerHandler } from "../../src/handlers/reconcileTimer.ts";
import { StorageQueueSyncQueue } from "../../src/queue/StorageQueueSyncQueue.ts";
import type { FunctionDeps, LoadFunctionDeps } from "../../src/runtime/FunctionDeps.ts";
import { functionDepsFromEnv } from "../../src/runtime/functionDepsFromEnv.ts";

// A webpack bundle: Node's CJS interop does not see this class as a named export.
const { InvocationContext } = azureFunctions;

/** The queue and lease container the Bicep template creates next to the app. */
export const SYNC_QUEUE = "afsync-sync";
export const LEASE_CONTAINER = "afsync-leases";

export interface AzureFunctionApp {
  readonly azurite: Azurite;
  readonly kv: KeyVaultEmulator;
  /** Writes to the vault with the official client, as an operator or a rotation would. */
  readonly writer: SecretClient;
  readonly queueClient: QueueClient;
  readonly queue: StorageQueueSyncQueue;
  /** Every line the functions logged (JSON lines), for leak sentinels and run counts. */
  readonly logLines: string[];
  /** The app settings the functions were built from. */
  readonly env: NodeJS.ProcessEnv;
  /** The deps every function of this app shares (one instance serving every function). */
  readonly load: LoadFunctionDeps;
  readonly handlers: {
    readonly eventGrid: ReturnType<typeof createEventGridTriggerHandler>;
    readonly http: ReturnType<typeof createEventGridHttpHandler>;
    readonly reconcile: ReturnType<typeof createReconcileTimerHandler>;
    readonly worker: ReturnType<typeof createQueueWorkerHandler>;
  };
  /** An invocation context as the host builds one. */
  context(functionName: string, triggerMetadata?: Record<string, unknown>): InstanceType<typeof InvocationContext>;
  /** Engine runs that finished for a Deployment ("sync done" lines). */
  engineRuns(deployment?: string): number;
  close(): Promise<void>;
}

/** One message the host's queue listener handed the worker, and what came of it ("failed": it threw). */
export interface QueueDelivery {
  readonly body: string;
  readonly dequeueCount: number;
  readonly outcome: QueueWorkerResult | "failed";
}

/**
 * The function app on loopback: Azurite (the sync queue, the lease blobs, the fan-out ledger), the
 * Key Vault emulator, and the four functions built from app settings as the host builds them.
 * `config` gets the vault's URL and returns the afsync config (the caller starts the targets it names).
 * Only Azure's own machinery (Event Grid's delivery, the host's queue listener: `deliverQueue`) is
 * played by the caller.
 */
export async function startAzureFunctionApp(options: {
  readonly config: (kv: KeyVaultEmulator) => string;
  readonly hmacKey: string;
  /** App settings over the app's own (targets' credentials, AFSYNC_EVENTGRID_KEY…). */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The blob lease's length and the worker's lease wait as the app ships them; otherwise the
   * tests' own (a 15 s lease, polled every 100 ms), so a test that waits on a lease stays short.
   */
  readonly deployedTimings?: boolean;
  readonly clock?: Clock;
  /** Wraps the worker's deps (a no-op engine, say) before the worker sees them. */
  readonly decorateWorker?: (deps: FunctionDeps) => FunctionDeps;
}): Promise<AzureFunctionApp> {
  const [azurite, kv] = await Promise.all([startAzurite(), startKeyVaultEmulator()]);
  const queueClient = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient(SYNC_QUEUE);
  await queueClient.create();
  const logLines: string[] = [];
  const env: NodeJS.ProcessEnv = {
    AFSYNC_CONFIG: options.config(kv),
    AzureWebJobsStorage: azurite.connectionString,
    AFSYNC_QUEUE_NAME: SYNC_QUEUE,
    AFSYNC_LEASE_CONTAINER: LEASE_CONTAINER,
    AFSYNC_HMAC_KEY: options.hmacKey,
    ...options.env,
  };
  const load = functionDepsFromEnv(env, {
    logger: createJsonLineLogger({ write: (line) => logLines.push(line) }),
    azure: { credential: kv.credential, ca: kv.ca },
    ...(options.deployedTimings === true ? {} : { leaseSeconds: 15 }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const decorate = options.decorateWorker;
  const workerLoad: LoadFunctionDeps = decorate === undefined ? load : async () => decorate(await load());
  let invocations = 0;
  return {
    azurite,
    kv,
    writer: new SecretClient(kv.url, kv.credential, { disableChallengeResourceVerification: true, tlsOptions: { ca: kv.ca } }),
    queueClient,
    queue: new StorageQueueSyncQueue(queueClient),
    logLines,
    env,
    load,
    handlers: {
      eventGrid: createEventGridTriggerHandler(load),
      http: createEventGridHttpHandler(load),
      reconcile: createReconcileTimerHandler(load),
      worker: createQueueWorkerHandler(workerLoad, options.deployedTimings === true ? {} : { leaseWaitMs: 30_000, leasePollMs: 100 }),
    },
    context: (functionName, triggerMetadata) =>
      new InvocationContext({ invocationId: `inv-${++invocations}`, functionName, ...(triggerMetadata ? { triggerMetadata } : {}) }),
    engineRuns: (deployment) =>
      logLines.filter((l) => {
        const line = JSON.parse(l) as { message?: string; deployment?: string };
        return line.message === "sync done" && (deployment === undefined || line.deployment === deployment);
      }).length,
    close: async () => {
      await kv.close();
      await azurite.stop();
    },
  };
}

/**
 * The Functions host's queue listener until the queue shows nothing: receive `batchSize` messages,
 * hand each to the worker (the host passes a JSON message parsed), delete it unless the worker threw.
 * A message that threw stays hidden for 60 s, beyond any test here, as the host would retry it later;
 * `stopOnFailure` ends the drain after the batch in which one threw.
 */
export async function deliverQueue(
  app: AzureFunctionApp,
  options: { readonly batchSize?: number; readonly worker?: AzureFunctionApp["handlers"]["worker"]; readonly stopOnFailure?: boolean } = {},
): Promise<QueueDelivery[]> {
  const worker = options.worker ?? app.handlers.worker;
  const out: QueueDelivery[] = [];
  for (;;) {
    const received = await app.queue.receive(options.batchSize ?? 1, 60);
    if (received.length === 0) return out;
    let failed = false;
    for (const message of received) {
      let outcome: QueueDelivery["outcome"];
      try {
        outcome = await worker(
          JSON.parse(message.body),
          app.context("worker", { id: `m-${out.length}`, dequeueCount: message.dequeueCount }),
        );
        await message.complete();
      } catch {
        outcome = "failed";
        failed = true;
      }
      out.push({ body: message.body, dequeueCount: message.dequeueCount, outcome });
    }
    if (failed && options.stopOnFailure === true) return out;
  }
}
